"""ElastiCache policies: Dixie's Redis replication group.

Redis holds queue state Dixie must not lose, so beyond encryption and AUTH the group needs
snapshots and ``maxmemory-policy noeviction`` (the ElastiCache default, volatile-lru, silently
drops keys when memory is full; noeviction refuses writes instead, which the memory alarm sees).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from ._support import (
    ADVISORY,
    CACHE_PARAMETER_GROUP,
    MANDATORY,
    REPLICATION_GROUP,
    as_list,
    config_schema,
    dig,
    is_false,
    is_true,
    linked,
    matching,
    number,
    of_type,
    resource_policy,
    stack_policy,
)

DEFAULT_GROUP = re.compile(r"^default(\.|$)")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The adoption exception covers one adopting run, not a season: an expiry further ahead than this
#: is refused, so the exception cannot quietly become the configuration.
MAX_ADOPTION_DAYS = 14


def utc_today() -> date:
    return datetime.now(UTC).date()


#: Replaced in tests, so expiry is proven without waiting for a date.
today: Callable[[], date] = utc_today

ADOPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "The documented adoption exception: the one replication group that may run without AUTH "
        "until the expiry date (UTC, inclusive, at most 14 days ahead). See docs/policy.md, "
        "'Adopting with Redis AUTH off'."
    ),
    "properties": {
        "replicationGroupId": {"type": "string", "minLength": 1},
        "expires": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    },
    "required": ["replicationGroupId", "expires"],
    "additionalProperties": False,
}


def _adoption_exception(exception: Any, group_id: Any) -> Iterator[str]:
    """Problems that keep the adoption exception from covering this group; none means it does."""
    prefix = "authToken or userGroupIds must be set (Redis AUTH or RBAC)"
    if not isinstance(exception, Mapping):
        yield f"{prefix}; policy config adoptionWithoutAuth must be an object with replicationGroupId and expires"
        return
    wanted = exception.get("replicationGroupId")
    expires = exception.get("expires")
    if (
        not isinstance(wanted, str)
        or not wanted
        or not isinstance(expires, str)
        or not ISO_DATE.match(expires)
    ):
        yield f"{prefix}; policy config adoptionWithoutAuth needs replicationGroupId and expires (YYYY-MM-DD)"
        return
    try:
        until = date.fromisoformat(expires)
    except ValueError:
        yield f"{prefix}; policy config adoptionWithoutAuth.expires is not a calendar date"
        return
    if group_id != wanted:
        # Ids are not secrets; naming both shows a typo at once.
        yield f"{prefix}; the adoption exception names replication group {wanted!r}, not {group_id!r}"
        return
    now = today()
    if now > until:
        yield f"{prefix}; the adoption exception for {wanted!r} expired on {until.isoformat()}"
    elif (until - now).days > MAX_ADOPTION_DAYS:
        yield (
            f"{prefix}; the adoption exception for {wanted!r} must expire within {MAX_ADOPTION_DAYS} days "
            "(it covers the adopting run, not the configuration)"
        )


def _encryption(args: ResourceValidationArgs) -> Iterator[str]:
    p = args.props
    if not is_true(p.get("atRestEncryptionEnabled")):
        yield "atRestEncryptionEnabled must be true"
    if not is_true(p.get("transitEncryptionEnabled")):
        yield "transitEncryptionEnabled must be true"
    if p.get("transitEncryptionMode") not in (None, "required"):
        yield "transitEncryptionMode must be required (preferred still accepts plain-text clients)"


def _auth(args: ResourceValidationArgs) -> Iterator[str]:
    # Only presence is read: the token itself is a secret.
    if args.props.get("authToken") or as_list(args.props.get("userGroupIds")):
        return
    config = args.get_config()
    if "adoptionWithoutAuth" not in config:
        yield "authToken or userGroupIds must be set (Redis AUTH or RBAC)"
        return
    yield from _adoption_exception(config["adoptionWithoutAuth"], args.props.get("replicationGroupId"))


def _snapshots(args: ResourceValidationArgs) -> Iterator[str]:
    minimum = number(args.get_config().get("minSnapshotRetentionDays", 1)) or 1.0
    retention = number(args.props.get("snapshotRetentionLimit"))
    if retention is None or retention < minimum:
        yield "snapshotRetentionLimit must keep snapshots for at least the minimum number of days (default 1)"


def _minor_upgrades(args: ResourceValidationArgs) -> Iterator[str]:
    if is_false(args.props.get("autoMinorVersionUpgrade")):
        yield "autoMinorVersionUpgrade must not be false"


def _subnet_group(args: ResourceValidationArgs) -> Iterator[str]:
    name = args.props.get("subnetGroupName")
    if not isinstance(name, str) or not name or name == "default":
        yield "subnetGroupName must name the service's own subnet group, not the default one"


def _failover(args: ResourceValidationArgs) -> Iterator[str]:
    p = args.props
    replicas = number(p.get("replicasPerNodeGroup")) or 0.0
    nodes = number(p.get("numCacheClusters")) or (1.0 + replicas)
    if nodes < 2:
        # Failover and multi-AZ need a replica; one message says all three.
        yield "numCacheClusters should be at least 2, with automaticFailoverEnabled and multiAzEnabled"
        return
    if not is_true(p.get("automaticFailoverEnabled")):
        yield "automaticFailoverEnabled should be true"
    if not is_true(p.get("multiAzEnabled")):
        yield "multiAzEnabled should be true"


def _noeviction(args: StackValidationArgs) -> Iterator[tuple[PolicyResource, str]]:
    parameter_groups = of_type(args, CACHE_PARAMETER_GROUP)
    for group in of_type(args, REPLICATION_GROUP):
        found = linked(group, "parameterGroupName", CACHE_PARAMETER_GROUP)
        if not found:
            name = group.props.get("parameterGroupName")
            if not isinstance(name, str) or DEFAULT_GROUP.match(name):
                yield (
                    group,
                    "parameterGroupName must name an in-stack parameter group (the default one evicts keys)",
                )
                continue
            found = matching(parameter_groups, name, ("name", "id"))
        if not found:
            yield group, "parameterGroupName must name a parameter group defined in this stack"
            continue
        for parameter_group in found:
            policies = [
                dig(entry, "value")
                for entry in as_list(parameter_group.props.get("parameters"))
                if dig(entry, "name") == "maxmemory-policy"
            ]
            if policies != ["noeviction"]:
                yield parameter_group, "parameters must set maxmemory-policy to noeviction"


POLICIES = [
    resource_policy(
        "elasticache-encryption",
        "Redis is encrypted at rest and in transit (transit mode required).",
        controls=(
            "ElastiCache.4",
            "ElastiCache.5",
            "CKV_AWS_29",
            "CKV_AWS_30",
            "AVD-AWS-0045",
            "AVD-AWS-0051",
        ),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[REPLICATION_GROUP],
        check=_encryption,
    ),
    resource_policy(
        "elasticache-auth",
        "Redis clients authenticate: an AUTH token or RBAC user groups. The one exception is the "
        "documented adoption run (config adoptionWithoutAuth: one replicationGroupId, an expiry "
        "at most 14 days ahead).",
        controls=("ElastiCache.6", "CKV_AWS_31"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[REPLICATION_GROUP],
        check=_auth,
        schema=config_schema(adoptionWithoutAuth=ADOPTION_SCHEMA),
    ),
    resource_policy(
        "elasticache-snapshots",
        "Redis keeps automatic snapshots for at least minSnapshotRetentionDays (default 1).",
        controls=("ElastiCache.1", "AVD-AWS-0050", "CKV_AWS_134"),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[REPLICATION_GROUP],
        check=_snapshots,
        schema=config_schema(minSnapshotRetentionDays={"type": "integer", "minimum": 1, "default": 1}),
    ),
    resource_policy(
        "elasticache-auto-minor-upgrades",
        "Redis applies minor engine upgrades automatically.",
        controls=("ElastiCache.2", "CKV_AWS_322"),
        level=MANDATORY,
        severity=Severity.LOW,
        types=[REPLICATION_GROUP],
        check=_minor_upgrades,
    ),
    resource_policy(
        "elasticache-own-subnet-group",
        "Redis lives in the service's own subnet group, not the default one.",
        controls=("ElastiCache.7", "CKV_AWS_323"),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[REPLICATION_GROUP],
        check=_subnet_group,
    ),
    stack_policy(
        "elasticache-noeviction",
        "Every replication group uses an in-stack parameter group that sets maxmemory-policy noeviction.",
        controls=("project: no silent data loss",),
        level=MANDATORY,
        severity=Severity.HIGH,
        check=_noeviction,
    ),
    resource_policy(
        "elasticache-failover",
        "Redis has a replica, automatic failover and multi-AZ.",
        controls=("ElastiCache.3", "CKV2_AWS_50"),
        level=ADVISORY,
        severity=Severity.LOW,
        types=[REPLICATION_GROUP],
        check=_failover,
    ),
]
