"""Runs Dixie's policy pack in-process against an offline evaluation: no CLI, no gRPC server.

Used by ``make plan`` and the tests. Each registered resource becomes what the CLI's analyzer
would hand the pack: for resource policies a ``ResourceValidationArgs`` whose props are the plain
inputs (camelCase, secrets unwrapped); for stack policies a ``PolicyResource`` list whose props are
the outputs, with parent, dependencies and property dependencies linked by URN. Props are wrapped
in pulumi-policy's unknown-checking proxy, as at runtime, so a policy that reads a value the
wrong way fails here too. A policy that meets an unknown value reports an advisory "can't run
during preview" finding, as the analyzer does.

Per-policy configuration is the CLI's ``--policy-pack-config`` file, read by
:func:`load_pack_config`; ``make plan`` passes the same file through the environment variable
``DIXIE_POLICY_CONFIG`` (see docs/policy.md), so the offline plan and ``pulumi up`` judge a stack
by the same settings.

The pack is loaded from ``policy/dixie_policies`` under its plain name ``dixie_policies``, the name
the CLI imports it by; ``policy/__main__.py`` is never imported (constructing ``PolicyPack`` starts
a server and blocks).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from inspect import isawaitable
from pathlib import Path
from types import ModuleType
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

from dixie_infra.offline.record import STACK_TYPE, Evaluation, Resource, unwrap
from dixie_infra.settings import project_root

if TYPE_CHECKING:
    from rich.console import Console

POLICY_DIR = project_root() / "policy"
PACKAGE = "dixie_policies"
#: The level a policy without its own level gets (``policy/__main__.py`` sets the same).
PACK_DEFAULT_LEVEL = EnforcementLevel.MANDATORY
LEVEL_ORDER = ("mandatory", "advisory")
DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")
#: The ``--policy-pack-config`` file ``make plan`` applies, as ``make up POLICY_CONFIG=...`` does.
POLICY_CONFIG_ENV = "DIXIE_POLICY_CONFIG"
LEVELS = {level.value: level for level in EnforcementLevel}
#: The key the CLI reads as every policy's level.
ALL_POLICIES = "all"
MAX_CONFIG_BYTES = 64 * 1024


class PolicyConfigError(ValueError):
    """A policy-pack config file that the CLI would refuse too; the message is one line."""


@dataclass(frozen=True)
class PackConfig:
    """What a ``--policy-pack-config`` file says: per-policy properties and level overrides."""

    properties: dict[str, dict[str, Any]]
    levels: dict[str, EnforcementLevel]


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


def load_policies(policy_dir: Path = POLICY_DIR) -> ModuleType:
    """The ``dixie_policies`` package (the one already imported, if any)."""
    if PACKAGE in sys.modules:
        return sys.modules[PACKAGE]
    package_dir = policy_dir / PACKAGE
    spec = importlib.util.spec_from_file_location(
        PACKAGE, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    return module


def all_policies() -> list[Policy]:
    return list(load_policies().POLICIES)


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


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise PolicyConfigError(f"key {duplicates[0]!r} appears more than once")
    return dict(pairs)


def _level_value(value: Any, where: str) -> EnforcementLevel:
    if not isinstance(value, str) or value not in LEVELS:
        raise PolicyConfigError(f"{where} must be one of {', '.join(LEVELS)}")
    return LEVELS[value]


def parse_pack_config(text: str, policies: Sequence[Policy] | None = None) -> PackConfig:
    """A ``--policy-pack-config`` document: ``{"all": level, "<policy>": level | {"enforcementLevel":
    level, <property>: value, ...}}``. Unknown policies and properties are refused, as the CLI
    refuses properties outside a policy's schema."""
    known = {p.name: p for p in (all_policies() if policies is None else policies)}
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        # Position only: the parser's message may quote the text.
        raise PolicyConfigError(f"is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(document, dict):
        raise PolicyConfigError("must be a JSON object keyed by policy name")
    properties: dict[str, dict[str, Any]] = {}
    levels: dict[str, EnforcementLevel] = {}
    for name, entry in document.items():
        if name == ALL_POLICIES:
            levels[ALL_POLICIES] = _level_value(entry, f"{name!r}")
            continue
        if name not in known:
            raise PolicyConfigError(f"names no policy of the pack: {name!r}")
        if isinstance(entry, str):
            levels[name] = _level_value(entry, f"{name!r}")
            continue
        if not isinstance(entry, dict):
            raise PolicyConfigError(f"{name!r} must be an enforcement level or an object")
        entry = dict(entry)
        if "enforcementLevel" in entry:
            levels[name] = _level_value(entry.pop("enforcementLevel"), f"{name}.enforcementLevel")
        schema = known[name].config_schema
        allowed = set(schema.properties) if schema else set()
        unknown = sorted(set(entry) - allowed)
        if unknown:
            choices = ", ".join(sorted(allowed)) or "none"
            raise PolicyConfigError(f"{name}.{unknown[0]} is not a setting of {name} (settings: {choices})")
        properties[name] = entry
    return PackConfig(properties, levels)


def load_pack_config(path: Path, policies: Sequence[Policy] | None = None) -> PackConfig:
    """The config file at ``path``; :class:`PolicyConfigError` names the file and the problem."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise PolicyConfigError(f"policy config {path}: cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise PolicyConfigError(f"policy config {path}: larger than {MAX_CONFIG_BYTES} bytes")
    try:
        return parse_pack_config(raw.decode("utf-8"), policies)
    except UnicodeDecodeError:
        raise PolicyConfigError(f"policy config {path}: is not UTF-8") from None
    except PolicyConfigError as exc:
        raise PolicyConfigError(f"policy config {path}: {exc}") from None


def config_from_environment(environ: Mapping[str, str] | None = None) -> PackConfig | None:
    """The file named by ``DIXIE_POLICY_CONFIG`` (unset or empty: none)."""
    value = (os.environ if environ is None else environ).get(POLICY_CONFIG_ENV, "")
    if not value.strip():
        return None
    return load_pack_config(Path(value))


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
