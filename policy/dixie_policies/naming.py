"""Naming policies: physical names and descriptions that AWS accepts.

A name AWS rejects fails the update halfway through; a name that changes replaces the resource.
These limits are AWS's own (target groups 32 characters of ``[A-Za-z0-9-]``, replication group ids
40 lower-case characters, role names 64). Descriptions must be ASCII: the ElastiCache API rejected
an em dash in a replication group description.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, Severity

from ._support import (
    CACHE_PARAMETER_GROUP,
    CACHE_SUBNET_GROUP,
    IAM_ROLE,
    MANDATORY,
    REPLICATION_GROUP,
    SECURITY_GROUP,
    SG_EGRESS_RULE,
    SG_INGRESS_RULE,
    SG_RULE,
    TARGET_GROUPS,
    resource_policy,
)

#: Pulumi's auto-name: the logical name, a dash and seven random characters.
AUTONAME_SUFFIX = 8
TARGET_GROUP_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
CACHE_ID = re.compile(r"^[a-z][a-z0-9-]*$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]+$")
#: EC2 accepts only these characters in group and rule descriptions.
EC2_DESCRIPTION = re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$")
DESCRIPTION_KEYS = ("description", "alarmDescription")


def _explicit_or_autoname(args: ResourceValidationArgs, key: str) -> tuple[str, bool]:
    name = args.props.get(key)
    if isinstance(name, str) and name:
        return name, True
    return args.name, False


def _target_group_name(args: ResourceValidationArgs) -> Iterator[str]:
    prefix = args.props.get("namePrefix")
    if isinstance(prefix, str) and prefix:
        if len(prefix) > 6:
            yield "namePrefix must be at most 6 characters"
        return
    name, explicit = _explicit_or_autoname(args, "name")
    limit = 32 if explicit else 32 - AUTONAME_SUFFIX
    prop = "name" if explicit else "the logical name (auto-named)"
    if len(name) > limit:
        yield f"{prop} must fit in 32 characters"
    if not TARGET_GROUP_NAME.match(name):
        yield f"{prop} must use only letters, digits and inner hyphens"


def _cache_id_problems(value: str, prop: str, limit: int) -> Iterator[str]:
    if len(value) > limit:
        yield f"{prop} must be at most {limit} characters"
    if not CACHE_ID.match(value) or "--" in value or value.endswith("-"):
        yield f"{prop} must be lower-case letters, digits and single inner hyphens, starting with a letter"


def _cache_names(args: ResourceValidationArgs) -> Iterator[str]:
    if args.resource_type == REPLICATION_GROUP:
        value, explicit = _explicit_or_autoname(args, "replicationGroupId")
        limit = 40 if explicit else 40 - AUTONAME_SUFFIX
        yield from _cache_id_problems(
            value, "replicationGroupId" if explicit else "the logical name (auto-named)", limit
        )
    else:
        # ElastiCache lower-cases these names, so a mixed-case name shows a diff on every preview.
        value, explicit = _explicit_or_autoname(args, "name")
        yield from _cache_id_problems(value, "name" if explicit else "the logical name (auto-named)", 255)


def _role_name(args: ResourceValidationArgs) -> Iterator[str]:
    prefix = args.props.get("namePrefix")
    if isinstance(prefix, str) and prefix:
        if len(prefix) > 38:
            yield "namePrefix must be at most 38 characters"
        return
    name, explicit = _explicit_or_autoname(args, "name")
    prop = "name" if explicit else "the logical name (auto-named)"
    if len(name) > (64 if explicit else 64 - AUTONAME_SUFFIX):
        yield f"{prop} must fit in 64 characters"
    if not ROLE_NAME.match(name):
        yield f"{prop} must use only letters, digits and +=,.@_-"


def _descriptions(args: ResourceValidationArgs) -> Iterator[str]:
    if not args.resource_type.startswith("aws:"):
        return
    for key in DESCRIPTION_KEYS:
        if key not in args.props:
            continue
        value = args.props.get(key)
        if not isinstance(value, str) or not value.strip():
            yield f"{key} must not be empty"
        elif not value.isascii():
            yield f"{key} must be ASCII (AWS APIs reject other characters)"
        elif args.resource_type in (
            SECURITY_GROUP,
            SG_INGRESS_RULE,
            SG_EGRESS_RULE,
            SG_RULE,
        ) and not EC2_DESCRIPTION.match(value):
            yield f"{key} must use only the characters EC2 accepts (letters, digits, spaces and ._-:/()#,@[]+=&;{{}}!$*)"


POLICIES = [
    resource_policy(
        "names-target-group",
        "Target group names are at most 32 characters of letters, digits and inner hyphens "
        "(namePrefix at most 6; an auto-name adds 8).",
        controls=("ELBv2 CreateTargetGroup Name", "pulumi-aws#1069"),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=TARGET_GROUPS,
        check=_target_group_name,
    ),
    resource_policy(
        "names-elasticache",
        "ElastiCache ids are lower-case letters, digits and single hyphens, starting with a letter; "
        "replication group ids at most 40 characters.",
        controls=("ElastiCache CreateReplicationGroup ReplicationGroupId",),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[REPLICATION_GROUP, CACHE_SUBNET_GROUP, CACHE_PARAMETER_GROUP],
        check=_cache_names,
    ),
    resource_policy(
        "names-iam-role",
        "IAM role names are at most 64 characters of [A-Za-z0-9+=,.@_-] (namePrefix at most 38).",
        controls=("IAM CreateRole RoleName",),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[IAM_ROLE],
        check=_role_name,
    ),
    resource_policy(
        "descriptions-ascii",
        "Every description (and alarm description) is non-empty ASCII; security groups and their "
        "rules use only the characters EC2 accepts.",
        controls=(
            "project: ElastiCache rejected an em dash",
            "EC2 GroupDescription constraints",
        ),
        level=MANDATORY,
        severity=Severity.LOW,
        types=None,
        check=_descriptions,
    ),
]
