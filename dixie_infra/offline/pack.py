"""Dixie's policy pack as the Pulumi CLI loads it, and its ``--policy-pack-config`` file.

The pack is loaded from ``policy/dixie_policies`` under its plain name ``dixie_policies``, the name
the CLI imports it by; ``policy/__main__.py`` is never imported (constructing ``PolicyPack`` starts
a server and blocks).

Per-policy configuration is the CLI's ``--policy-pack-config`` file, read by
:func:`load_pack_config`; ``make plan`` passes the same file through the environment variable
``DIXIE_POLICY_CONFIG`` (see docs/policy.md), so the offline plan and ``pulumi up`` judge a stack
by the same settings.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pulumi_policy import EnforcementLevel, Policy

from dixie_infra.settings import project_root

POLICY_DIR = project_root() / "policy"
PACKAGE = "dixie_policies"
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
