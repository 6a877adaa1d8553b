"""Reading a ``terraform show -json`` state document, safely.

Parses the state into :class:`TfResource` records (managed resources of the root and child
modules; data sources are dropped), refusing anything that is not a state: bad JSON, a plan,
a document without ``values.root_module``, resources without address/type/values.

Terraform state holds secrets in plaintext (``aws_ssm_parameter.value`` after a refresh, a
replication group's ``auth_token``), and ``terraform show -json`` prints them, only flagging them
in ``sensitive_values``. Every attribute flagged there, and the known secret attributes below
whatever the flags say, are removed while loading, so nothing downstream can print them.

Also here: the environment a state belongs to (from ``Environment`` tags and ``/dixie/<env>/``
parameter names) and the security group rules a state records, each expanded to one rule per
peer, the way AWS stores them (an inline terraform rule with two CIDR blocks is two AWS rules).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: Attributes that hold secrets, by resource type, dropped even when ``sensitive_values`` is
#: missing (older terraform versions, hand-edited documents).
SECRET_ATTRIBUTES: dict[str, frozenset[str]] = {
    "aws_ssm_parameter": frozenset({"value", "insecure_value", "value_wo"}),
    "aws_elasticache_replication_group": frozenset({"auth_token", "auth_token_wo"}),
    "aws_db_instance": frozenset({"password", "password_wo"}),
    "aws_secretsmanager_secret_version": frozenset({"secret_string", "secret_binary"}),
    "random_password": frozenset({"result", "bcrypt_hash"}),
}

_PARAMETER_ENV = re.compile(r"^/dixie/(?P<env>[A-Za-z0-9_-]+)/")

#: How deep a state document may nest. terraform's own documents reach about 15 levels (module,
#: resource, values, blocks within blocks, plus two per child module); anything past this is not
#: a state, and would otherwise reach the recursive walkers below.
MAX_DEPTH = 64


class StateError(ValueError):
    """The document is not a usable ``terraform show -json`` state (bad input: exit 2)."""


@dataclass(frozen=True)
class TfResource:
    """One managed resource of the state; ``values`` without any secret attribute."""

    address: str
    type: str
    name: str
    provider_name: str
    values: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.values.get("id") or "")


@dataclass(frozen=True)
class RuleKey:
    """One AWS security group rule: what AWS keys a rule by (description is not part of it)."""

    egress: bool
    group_id: str
    protocol: str
    from_port: int
    to_port: int
    peer: str  # "cidr4:<cidr>", "cidr6:<cidr>", "pl:<id>" or "sg:<group id>"

    def describe(self) -> str:
        direction = "egress" if self.egress else "ingress"
        ports = str(self.from_port) if self.from_port == self.to_port else f"{self.from_port}-{self.to_port}"
        _, _, value = self.peer.partition(":")
        towards = "to" if self.egress else "from"
        return f"{direction} {self.protocol} {ports} {towards} {value} on {self.group_id}"


@dataclass(frozen=True)
class TfRule:
    """A rule the state records: where (address) and, for standalone rules, its own resource."""

    key: RuleKey
    address: str
    description: str
    standalone: bool
    #: The ``sgr-`` id when the state knows it (standalone rules of newer providers).
    rule_id: str | None


# --- loading ------------------------------------------------------------------------------------


def parse_state(text: str) -> list[TfResource]:
    """The managed resources of a ``terraform show -json`` document; StateError if it is none."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateError(f"is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise StateError(f"nests deeper than {MAX_DEPTH} levels: not a terraform state") from None
    if _depth_exceeds(doc, MAX_DEPTH):
        raise StateError(f"nests deeper than {MAX_DEPTH} levels: not a terraform state")
    if not isinstance(doc, dict):
        raise StateError("is not a terraform show -json document (expected a JSON object)")
    if "planned_values" in doc or "resource_changes" in doc:
        raise StateError("is a plan, not a state: run `terraform show -json` without a plan file")
    if "format_version" not in doc:
        raise StateError("has no format_version: not the output of `terraform show -json`")
    values = doc.get("values")
    if values is None:
        raise StateError("holds no resources (an empty state?): nothing to adopt")
    root = values.get("root_module") if isinstance(values, dict) else None
    if not isinstance(root, dict):
        raise StateError("has no values.root_module: not the output of `terraform show -json`")
    resources = list(_walk_module(root, "values.root_module"))
    if not resources:
        raise StateError("holds no managed resources: nothing to adopt")
    return resources


def _depth_exceeds(doc: Any, limit: int) -> bool:
    """Whether ``doc`` nests deeper than ``limit`` (iterative: the check itself cannot recurse)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, dict | list))
    return False


def _walk_module(module: Mapping[str, Any], where: str) -> Iterator[TfResource]:
    raw = module.get("resources", [])
    if not isinstance(raw, list):
        raise StateError(f"{where}.resources is not a list")
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise StateError(f"{where}.resources[{index}] is not an object")
        missing = [k for k in ("address", "type", "name", "values") if k not in item]
        if missing:
            raise StateError(f"{where}.resources[{index}] lacks {', '.join(missing)}")
        if not isinstance(item["values"], dict):
            raise StateError(f"{where}.resources[{index}].values is not an object")
        if item.get("mode", "managed") != "managed":
            continue
        yield TfResource(
            address=str(item["address"]),
            type=str(item["type"]),
            name=str(item["name"]),
            provider_name=str(item.get("provider_name", "")),
            values=_without_secrets(item["type"], item["values"], item.get("sensitive_values")),
        )
    children = module.get("child_modules", [])
    if not isinstance(children, list):
        raise StateError(f"{where}.child_modules is not a list")
    for index, child in enumerate(children):
        if not isinstance(child, dict):
            raise StateError(f"{where}.child_modules[{index}] is not an object")
        yield from _walk_module(child, f"{where}.child_modules[{index}]")


def _without_secrets(type_: str, values: Mapping[str, Any], sensitive: Any) -> dict[str, Any]:
    drop = SECRET_ATTRIBUTES.get(type_, frozenset())
    return {
        key: _scrub(value, sensitive.get(key) if isinstance(sensitive, dict) else None)
        for key, value in values.items()
        if key not in drop and not (isinstance(sensitive, dict) and sensitive.get(key) is True)
    }


def _scrub(value: Any, sensitive: Any) -> Any:
    """``value`` with every part ``sensitive`` flags as true replaced by None."""
    if sensitive is True:
        return None
    if isinstance(value, dict) and isinstance(sensitive, dict):
        return {k: _scrub(v, sensitive.get(k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(sensitive, list):
        return [_scrub(v, sensitive[i] if i < len(sensitive) else None) for i, v in enumerate(value)]
    return value


# --- facts about a state ------------------------------------------------------------------------


def environments(resources: list[TfResource]) -> dict[str, list[str]]:
    """Environment name -> addresses that say so (``Environment`` tag, ``/dixie/<env>/`` names)."""
    found: dict[str, list[str]] = {}
    for resource in resources:
        values = resource.values
        envs: set[str] = set()
        for tags_key in ("tags", "tags_all"):
            tags = values.get(tags_key)
            if isinstance(tags, dict) and isinstance(tags.get("Environment"), str):
                envs.add(tags["Environment"])
        if resource.type == "aws_ssm_parameter":
            match = _PARAMETER_ENV.match(str(values.get("name", "")))
            if match:
                envs.add(match["env"])
        for env in envs:
            found.setdefault(env, []).append(resource.address)
    return found


def _protocol(value: Any) -> str:
    text = str(value).lower()
    return {"6": "tcp", "17": "udp", "1": "icmp", "all": "-1", "-1": "-1"}.get(text, text)


def _port(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _peers(rule: Mapping[str, Any], own_group: str, groups_key: str) -> list[str]:
    peers = [f"cidr4:{c}" for c in rule.get("cidr_blocks") or []]
    peers += [f"cidr6:{c}" for c in rule.get("ipv6_cidr_blocks") or []]
    peers += [f"pl:{p}" for p in rule.get("prefix_list_ids") or []]
    groups = rule.get(groups_key) or []
    peers += [f"sg:{g}" for g in ([groups] if isinstance(groups, str) else groups) if g]
    if rule.get("self"):
        peers.append(f"sg:{own_group}")
    return peers


def state_rules(resources: list[TfResource]) -> list[TfRule]:
    """Every security group rule the state records, one per AWS rule."""
    rules: list[TfRule] = []
    for resource in resources:
        v = resource.values
        if resource.type == "aws_security_group":
            group = resource.id
            for direction in ("ingress", "egress"):
                for index, inline in enumerate(v.get(direction) or []):
                    for peer in _peers(inline, group, "security_groups"):
                        key = RuleKey(
                            egress=direction == "egress",
                            group_id=group,
                            protocol=_protocol(inline.get("protocol")),
                            from_port=_port(inline.get("from_port")),
                            to_port=_port(inline.get("to_port")),
                            peer=peer,
                        )
                        rules.append(
                            TfRule(
                                key,
                                f"{resource.address} {direction}[{index}]",
                                str(inline.get("description") or ""),
                                False,
                                None,
                            )
                        )
        elif resource.type == "aws_security_group_rule":
            group = str(v.get("security_group_id", ""))
            for peer in _peers(v, group, "source_security_group_id"):
                key = RuleKey(
                    egress=v.get("type") == "egress",
                    group_id=group,
                    protocol=_protocol(v.get("protocol")),
                    from_port=_port(v.get("from_port")),
                    to_port=_port(v.get("to_port")),
                    peer=peer,
                )
                rule_id = v.get("security_group_rule_id") or None
                rules.append(TfRule(key, resource.address, str(v.get("description") or ""), True, rule_id))
        elif resource.type in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
            peer = vpc_rule_peer(
                v.get("cidr_ipv4"),
                v.get("cidr_ipv6"),
                v.get("prefix_list_id"),
                v.get("referenced_security_group_id"),
            )
            key = RuleKey(
                egress=resource.type.endswith("egress_rule"),
                group_id=str(v.get("security_group_id", "")),
                protocol=_protocol(v.get("ip_protocol")),
                from_port=_port(v.get("from_port")),
                to_port=_port(v.get("to_port")),
                peer=peer,
            )
            rules.append(
                TfRule(key, resource.address, str(v.get("description") or ""), True, resource.id or None)
            )
    return rules


def vpc_rule_peer(cidr4: Any, cidr6: Any, prefix_list: Any, group: Any) -> str:
    """The peer of a one-peer rule (the VPC rule resources and the EC2 rule API have one each)."""
    if cidr4:
        return f"cidr4:{cidr4}"
    if cidr6:
        return f"cidr6:{cidr6}"
    if prefix_list:
        return f"pl:{prefix_list}"
    return f"sg:{group or ''}"


def rule_key(
    *, egress: bool, group_id: str, protocol: Any, from_port: Any, to_port: Any, peer: str
) -> RuleKey:
    return RuleKey(egress, group_id, _protocol(protocol), _port(from_port), _port(to_port), peer)
