"""Matching terraform's resources (and the hand-made ones in AWS) to what the program declares."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from scripts.adopt.aws import AwsLookup
from scripts.adopt.compare import after_import, differences, same, show, translate
from scripts.adopt.kinds import (
    EGRESS_RULE,
    HAND_MADE,
    KIND_BY_PULUMI,
    KIND_BY_TF,
    RULE_TF_TYPES,
    RULE_TYPES,
    TERRAFORM_ADDRESSES,
    ImportContext,
)
from scripts.adopt.program import Declared
from scripts.adopt.records import Adoption, Difference, Effect, Match, Missing
from scripts.adopt.terraform import RuleKey, TfResource, TfRule, rule_key, state_rules, vpc_rule_peer


def match_resources(
    stack: str,
    declared: list[Declared],
    state: list[TfResource],
    aws: AwsLookup,
    context: ImportContext,
) -> Adoption:
    adoption = Adoption(stack)
    program = [d for d in declared if d.custom and d.type.startswith("aws:")]
    taken: set[str] = set()

    # 1. type + physical name; 2. the split's address for what the program renamed.
    by_key: dict[tuple[str, str], list[TfResource]] = {}
    for resource in state:
        kind = KIND_BY_TF.get(resource.type)
        if kind is not None:
            by_key.setdefault((kind.pulumi_type, kind.tf_key(resource.values)), []).append(resource)
    used: set[str] = set()
    for d in program:
        kind = KIND_BY_PULUMI.get(d.type)
        if kind is None:
            continue
        key = kind.program_key(d.plain) if kind.program_key else d.physical_name
        candidates = [r for r in by_key.get((d.type, key), []) if r.address not in used]
        if len(candidates) > 1:
            adoption.problems.append(
                f"{d.name}: {len(candidates)} terraform resources share its identity "
                f"({', '.join(r.address for r in candidates)}); import one by hand"
            )
            continue
        if candidates:
            resource = candidates[0]
            used.add(resource.address)
            taken.add(d.name)
            adoption.matched.append(
                Match(
                    d,
                    resource.address,
                    kind.import_id(resource.values),
                    after_import(kind, resource, context),
                    kind,
                )
            )
    logical = {d.name: d for d in program}
    for resource in state:
        target = logical.get(TERRAFORM_ADDRESSES.get(resource.address, ""))
        kind = KIND_BY_TF.get(resource.type)
        if (
            resource.address in used
            or target is None
            or target.name in taken
            or kind is None
            or kind.pulumi_type != target.type
        ):
            continue
        used.add(resource.address)
        taken.add(target.name)
        adoption.matched.append(
            Match(
                target,
                resource.address,
                kind.import_id(resource.values),
                after_import(kind, resource, context),
                kind,
                by_address=True,
            )
        )

    # What terraform recorded must still exist: an import of a deleted resource fails, and an
    # account where none of it exists is the wrong account, not an empty plan.
    present: list[Match] = []
    gone: list[Match] = []
    for m in adoption.matched:
        if m.kind is not None and not aws.exists(m.kind.pulumi_type, m.import_id, m.current):
            adoption.missing.append(Missing(m.source, m.kind.tf_type, m.import_id, m.declared.name))
            gone.append(m)
        else:
            present.append(m)
    adoption.matched = present

    # 3. hand-made resources, looked up in AWS.
    for d in program:
        if d.name in taken or d.type not in aws.finders:
            continue
        found = aws.finders[d.type](d)
        if found is not None:
            import_id, current = found
            taken.add(d.name)
            adoption.matched.append(Match(d, HAND_MADE, import_id, current, KIND_BY_PULUMI[d.type]))
        elif d.type == "aws:ecr/repository:Repository" and (user := _image_user(state, d.physical_name)):
            # Made by hand, so terraform does not record it, but its task definition pulls from
            # it: absent here means the wrong account or region, not "create a new one".
            taken.add(d.name)
            adoption.missing.append(
                Missing(f"{HAND_MADE}, pulled by {user}", "aws_ecr_repository", d.physical_name, d.name)
            )

    # Placeholder ids/ARNs of matched resources -> the real ones, for rules and comparisons.
    table: dict[str, str] = {}
    # Missing ones too: their rules then carry terraform's ids and pair with terraform's rules.
    for m in [*adoption.matched, *gone]:
        # A value the program sets itself (a name) is not a placeholder: translating it would
        # hide a rename.
        own = {v for v in m.declared.plain.values() if isinstance(v, str)}
        pairs: list[tuple[Any, Any]] = [(m.declared.mock_id, str(m.current.get("id") or m.import_id))]
        for output, attribute in (
            ("arn", "arn"),
            ("arnSuffix", "arn_suffix"),
            ("primaryEndpointAddress", "primary_endpoint_address"),
        ):
            pairs.append((m.declared.mock_outputs.get(output), m.current.get(attribute)))
        for mock, real in pairs:
            if (
                isinstance(mock, str)
                and isinstance(real, str)
                and mock
                and real
                and mock != real
                and mock not in own
            ):
                table[mock] = real

    # 4. security group rules.
    tf_rules = state_rules(state)
    in_aws = _match_rules(adoption, program, tf_rules, table, aws, taken)
    by_rule_key = {k: n for n, k in reversed(_program_rule_keys(program, table).items())}
    for rule in tf_rules:
        if rule.key in in_aws:
            continue
        # A program rule with this key is not "will be created": it is reported here, once.
        twin = by_rule_key.get(rule.key)
        if twin is not None:
            taken.add(twin)
        adoption.missing.append(Missing(rule.address, "security group rule", rule.key.describe(), twin))

    for m in adoption.matched:
        m.differences = differences(m, table)
        if m.declared.type == "aws:ssm/parameter:Parameter" and m.declared.plain.get("type") == "String":
            m.differences += _string_parameter_difference(m.declared, aws)
        if m.by_address and not any(d.effect == Effect.REPLACE for d in m.differences):
            m.differences.append(
                Difference(m.declared.name, "(identity)", m.source, m.declared.physical_name, Effect.REPLACE)
            )

    for d in program:
        if d.name not in taken:
            note = "will be created"
            if d.type in RULE_TYPES:
                note = _rule_absent_note(d, table)
            adoption.absent.append((d, note))

    for resource in state:
        # Rules are reported one AWS rule at a time below, inline or standalone alike.
        if resource.address in used or resource.type in RULE_TF_TYPES:
            continue
        adoption.not_declared.append(
            (resource.address, resource.type, resource.id, _not_declared_advice(resource))
        )
    matched_rule_sources = {m.source for m in adoption.matched if m.declared.type in RULE_TYPES}
    for rule in tf_rules:
        if rule.address in matched_rule_sources or rule.key not in in_aws:
            continue
        direction = "egress" if rule.key.egress else "ingress"
        adoption.not_declared.append(
            (
                rule.address,
                "security group rule",
                rule.key.describe(),
                "stays in AWS untouched; if Dixie no longer needs it, revoke it by hand after the move "
                f"(aws ec2 revoke-security-group-{direction} --group-id {rule.key.group_id} "
                "--security-group-rule-ids <sgr-id>)",
            )
        )
    # The program registers its resources concurrently, so declaration order varies from run to
    # run; the report is ordered by URN (component, then type, then name) so runs can be diffed.
    adoption.matched.sort(key=lambda m: m.declared.urn)
    adoption.absent.sort(key=lambda pair: pair[0].urn)
    adoption.not_declared.sort()
    adoption.missing.sort(key=lambda m: (m.address, m.id))
    return adoption


def _image_user(state: list[TfResource], repository: str) -> str | None:
    """The address of a recorded task definition whose image comes from ECR ``repository``."""
    pattern = re.compile(rf"^[0-9]{{12}}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/{re.escape(repository)}[:@]")
    for resource in state:
        if resource.type != "aws_ecs_task_definition":
            continue
        try:
            containers = json.loads(str(resource.values.get("container_definitions") or "[]"))
        except json.JSONDecodeError:
            continue
        if isinstance(containers, list) and any(
            isinstance(c, dict) and pattern.match(str(c.get("image", ""))) for c in containers
        ):
            return resource.address
    return None


def program_rule_key(declared: Declared, table: Mapping[str, str]) -> RuleKey:
    p = translate(dict(declared.plain), table)
    return rule_key(
        egress=declared.type == EGRESS_RULE,
        group_id=str(p.get("securityGroupId", "")),
        protocol=p.get("ipProtocol"),
        from_port=p.get("fromPort"),
        to_port=p.get("toPort"),
        peer=vpc_rule_peer(
            p.get("cidrIpv4"), p.get("cidrIpv6"), p.get("prefixListId"), p.get("referencedSecurityGroupId")
        ),
    )


def _program_rule_keys(program: list[Declared], table: Mapping[str, str]) -> dict[str, RuleKey]:
    return {d.name: program_rule_key(d, table) for d in program if d.type in RULE_TYPES}


def _match_rules(
    adoption: Adoption,
    program: list[Declared],
    tf_rules: list[TfRule],
    table: Mapping[str, str],
    aws: AwsLookup,
    taken: set[str],
) -> dict[RuleKey, tuple[str, str]]:
    """Match the program's rules to AWS's; returns every rule AWS has on the groups involved."""
    rules = [d for d in program if d.type in RULE_TYPES]
    placeholders = {d.mock_id for d in program if d.type == "aws:ec2/securityGroup:SecurityGroup"}
    keys = _program_rule_keys(program, table)
    missing_groups = {m.id for m in adoption.missing if m.type == "aws_security_group"}
    # A group still named by its placeholder is one the program will create: no rules to find.
    # terraform's groups are asked too, so a rule it recorded and AWS lacks is known as such.
    groups = sorted(
        {
            g
            for g in {k.group_id for k in keys.values()} | {r.key.group_id for r in tf_rules}
            if g.startswith("sg-") and g not in placeholders and g not in missing_groups
        }
    )
    in_aws = aws.security_group_rules(groups) if groups else {}
    by_key: dict[RuleKey, TfRule] = {}
    for rule in tf_rules:
        by_key.setdefault(rule.key, rule)
    for d in rules:
        key = keys[d.name]
        found = in_aws.get(key)
        if found is None:
            continue
        rule_id, description = found
        tf_rule = by_key.get(key)
        source = tf_rule.address if tf_rule else HAND_MADE
        taken.add(d.name)
        adoption.matched.append(Match(d, source, rule_id, {"id": rule_id, "description": description}, None))
    return in_aws


def _string_parameter_difference(declared: Declared, aws: AwsLookup) -> list[Difference]:
    """A String parameter's value is not secret: compare it (SecureString values are never read)."""
    current = aws.string_parameter(declared.physical_name)
    program = declared.plain.get("value")
    if current is None or program is None or same(program, current):
        return []
    return [Difference(declared.name, "value", show(current), show(program), Effect.UPDATE)]


def _rule_absent_note(declared: Declared, table: Mapping[str, str]) -> str:
    return f"will be created ({program_rule_key(declared, table).describe()})"


def _not_declared_advice(resource: TfResource) -> str:
    if resource.type == "aws_sns_topic_subscription":
        return (
            "left alone: set dixie:alarmEmail to the same address to adopt it next time, "
            "or delete the subscription by hand"
        )
    return (
        "left alone: Pulumi will neither manage nor delete it; after the move run "
        f"`terraform state rm '{resource.address}'` and delete it by hand if Dixie no longer needs it"
    )
