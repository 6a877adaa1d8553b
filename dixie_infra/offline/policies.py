"""Runs Dixie's policy pack in-process against an offline evaluation: no CLI, no gRPC server.

Used by ``make plan`` and the tests. Each registered resource becomes what the CLI's analyzer
would hand the pack: for resource policies a ``ResourceValidationArgs`` whose props are the plain
inputs (camelCase, secrets unwrapped); for stack policies a ``PolicyResource`` list whose props are
the outputs, with parent, dependencies and property dependencies linked by URN. Props are wrapped
in pulumi-policy's unknown-checking proxy, as at runtime, so a policy that reads a value the
wrong way fails here too. A policy that meets an unknown value reports an advisory "can't run
during preview" finding, as the analyzer does.

The pack and its ``--policy-pack-config`` file are loaded by :mod:`.pack`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from dixie_infra.offline.pack import (
    ALL_POLICIES,
    POLICY_CONFIG_ENV,
    PackConfig,
    PolicyConfigError,
    all_policies,
    config_from_environment,
    load_pack_config,
    load_policies,
    parse_pack_config,
)
from dixie_infra.offline.record import STACK_TYPE, Evaluation, Resource, unwrap

if TYPE_CHECKING:
    from rich.console import Console

#: The level a policy without its own level gets (``policy/__main__.py`` sets the same).
PACK_DEFAULT_LEVEL = EnforcementLevel.MANDATORY
LEVEL_ORDER = ("mandatory", "advisory")
DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")


@dataclass(frozen=True)
class Finding:
    """One violation: which policy, how strictly enforced, on what, and why (never a value)."""

    policy: str
    level: str
    urn: str
    name: str
    type: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _seconds(duration: str | None) -> float:
    """Pulumi's ``"30m"`` / ``"1h30m"`` custom timeouts in seconds."""
    factor = {"h": 3600.0, "m": 60.0, "s": 1.0}
    return sum(float(amount) * factor[unit] for amount, unit in DURATION.findall(duration or ""))


def _options(resource: Resource) -> PolicyResourceOptions:
    timeouts = resource.custom_timeouts
    return PolicyResourceOptions(
        protect=resource.protect,
        ignore_changes=list(resource.ignore_changes),
        delete_before_replace=resource.delete_before_replace,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(
            _seconds(timeouts.get("create")),
            _seconds(timeouts.get("update")),
            _seconds(timeouts.get("delete")),
        ),
        additional_secret_outputs=list(resource.additional_secret_outputs),
        parent=resource.parent or None,
    )


def _provider(resource: Resource, by_urn: Mapping[str, Resource]) -> PolicyProviderResource | None:
    # A provider reference is "<urn>::<id>".
    provider = by_urn.get(resource.provider.rsplit("::", 1)[0]) if resource.provider else None
    if provider is None:
        return None
    return PolicyProviderResource(
        provider.type, unknown_checking_proxy(provider.plain), provider.urn, provider.name
    )


def _stack_props(resource: Resource) -> dict[str, Any]:
    # Stack policies see outputs, as the engine sends them; a resource with no recorded outputs
    # (a component) falls back to its inputs.
    return unwrap(resource.outputs) if resource.outputs else resource.plain


def stack_resources(resources: Sequence[Resource]) -> list[PolicyResource]:
    """The stack as the analyzer builds it: props proxied, parents and dependencies linked by URN."""
    by_urn = {r.urn: r for r in resources}
    built = {
        r.urn: PolicyResource(
            r.type,
            unknown_checking_proxy(_stack_props(r)),
            r.urn,
            r.name,
            _options(r),
            _provider(r, by_urn),
            None,
            [],
            {},
        )
        for r in resources
    }
    for r in resources:
        policy_resource = built[r.urn]
        policy_resource.parent = built.get(r.parent)
        policy_resource.dependencies = [built[d] for d in r.dependencies if d in built]
        policy_resource.property_dependencies = {
            key: [built[d] for d in urns if d in built] for key, urns in r.property_dependencies.items()
        }
    return list(built.values())


def _level(policy: Policy, levels: Mapping[str, EnforcementLevel] | None = None) -> EnforcementLevel:
    # The CLI's order: the policy's own entry in the config, then "all", then the policy, then the pack.
    levels = levels or {}
    level = (
        levels.get(policy.name) or levels.get(ALL_POLICIES) or policy.enforcement_level or PACK_DEFAULT_LEVEL
    )
    # A remediating policy that still reports is reported as mandatory, as the analyzer does.
    return EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level


def _run(outcome: Any) -> None:
    if isawaitable(outcome):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(asyncio.ensure_future(outcome, loop=loop))
        finally:
            loop.close()


def _call(
    policy: Policy,
    validate: Callable[[Callable[..., None]], Any],
    subject: Resource | None,
    by_urn: Mapping[str, Resource],
    levels: Mapping[str, EnforcementLevel] | None = None,
) -> list[Finding]:
    level = _level(policy, levels).value
    findings: list[Finding] = []

    def report(message: str, urn: str | None = None) -> None:
        target = by_urn.get(urn) if urn else subject
        findings.append(
            Finding(
                policy=policy.name,
                level=level,
                urn=target.urn if target else (urn or ""),
                name=target.name if target else "",
                type=target.type if target else "",
                message=message,
            )
        )

    try:
        _run(validate(report))
    except UnknownValueError as exc:
        findings.append(
            Finding(
                policy.name,
                EnforcementLevel.ADVISORY.value,
                subject.urn if subject else "",
                subject.name if subject else "",
                subject.type if subject else "",
                f"can't run policy '{policy.name}' during preview: {exc.message}",
            )
        )
    except _NotApplicableError:
        pass
    return findings


def check_resources(
    resources: Sequence[Resource],
    *,
    policies: Sequence[Policy] | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    levels: Mapping[str, EnforcementLevel] | None = None,
) -> list[Finding]:
    """Every policy (default: the whole pack) over ``resources``; ``config`` is per policy name,
    ``levels`` overrides enforcement levels as a config file does (``all`` for every policy)."""
    policies = all_policies() if policies is None else list(policies)
    config = config or {}
    by_urn = {r.urn: r for r in resources}
    findings: list[Finding] = []
    for policy in policies:
        if _level(policy, levels) == EnforcementLevel.DISABLED:
            continue
        policy_config = config.get(policy.name)
        if isinstance(policy, ResourceValidationPolicy):
            for resource in resources:
                if resource.type == STACK_TYPE:
                    continue
                args = ResourceValidationArgs(
                    resource.type,
                    unknown_checking_proxy(resource.plain),
                    resource.urn,
                    resource.name,
                    _options(resource),
                    _provider(resource, by_urn),
                    policy_config,
                )
                findings += _call(policy, partial(policy.validate, args), resource, by_urn, levels)
        elif isinstance(policy, StackValidationPolicy):
            stack_args = StackValidationArgs(stack_resources(resources), policy_config)
            findings += _call(policy, partial(policy.validate, stack_args), None, by_urn, levels)
    return findings


def check_policies(
    evaluation: Evaluation, *, pack_config: PackConfig | None = None, **kwargs: Any
) -> list[Finding]:
    """The pack's findings on every resource the offline run registered, under ``pack_config`` or
    else the file ``DIXIE_POLICY_CONFIG`` names (:class:`PolicyConfigError` if it is bad)."""
    if pack_config is None and "config" not in kwargs and "levels" not in kwargs:
        pack_config = config_from_environment()
    if pack_config is not None:
        kwargs = {"config": pack_config.properties, "levels": pack_config.levels, **kwargs}
    return check_resources(evaluation.resources, **kwargs)


def has_mandatory(findings: Sequence[Finding]) -> bool:
    return any(f.level == EnforcementLevel.MANDATORY.value for f in findings)


def render_findings(findings: Sequence[Finding], console: Console) -> None:
    """Findings grouped by enforcement level, mandatory first."""
    from rich.table import Table

    counts = {level: sum(f.level == level for f in findings) for level in LEVEL_ORDER}
    if not findings:
        console.print(f"policy pack {load_policies().PACK_NAME}: no violations.")
        return
    console.print(
        f"policy pack {load_policies().PACK_NAME}: {counts['mandatory']} mandatory, "
        f"{counts['advisory']} advisory violation(s)."
    )
    for level in LEVEL_ORDER:
        group = sorted((f for f in findings if f.level == level), key=lambda f: (f.policy, f.urn, f.message))
        if not group:
            continue
        table = Table(title=f"{level} ({len(group)})", title_justify="left")
        for column in ("policy", "resource", "violation"):
            table.add_column(column, overflow="fold")
        for finding in group:
            table.add_row(finding.policy, f"{finding.type} {finding.name}".strip(), finding.message)
        console.print(table)
    if counts["mandatory"]:
        console.print("Mandatory violations fail `pulumi preview` / `pulumi up` with the policy pack.")


__all__ = [
    "POLICY_CONFIG_ENV",
    "Finding",
    "PackConfig",
    "PolicyConfigError",
    "all_policies",
    "check_policies",
    "check_resources",
    "config_from_environment",
    "has_mandatory",
    "load_pack_config",
    "load_policies",
    "parse_pack_config",
    "render_findings",
    "stack_resources",
]
