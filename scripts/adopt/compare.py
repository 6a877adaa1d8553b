"""Comparing what exists (after import) with what the program sets."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from scripts.adopt.kinds import IMPORT_NORMALISATIONS, MAP_PROPERTIES, ImportContext, Kind
from scripts.adopt.records import Difference, Effect, Match
from scripts.adopt.terraform import TfResource


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if value is None:
        return ""
    text = str(value)
    if text.lower() in ("true", "false"):
        return text.lower()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() and "." not in text.strip("0") else text


def _json_doc(text: str) -> Any:
    if text[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def same(program: Any, current: Any, *, map_keys: bool = False) -> bool:
    """Whether the current (terraform/AWS) value already is what the program sets.

    Only what the program sets is compared: attributes the program leaves to defaults are
    AWS's business. A program object matches a terraform block (a one-element list).
    """
    if isinstance(program, dict):
        if isinstance(current, list) and len(current) == 1:
            current = current[0]
        if current is None:
            return not any(v not in (None, "", [], {}) for v in program.values())
        if not isinstance(current, dict):
            return False
        for key, value in program.items():
            current_key = key if map_keys else snake(key)
            if current_key not in current:
                if map_keys and value not in (None, ""):
                    return False
                continue
            if not same(value, current[current_key], map_keys=key in MAP_PROPERTIES):
                return False
        if map_keys:
            return set(current) <= set(program)
        return True
    if isinstance(program, list):
        if current is None:
            return not program
        if not isinstance(current, list) or len(program) != len(current):
            return False
        if all(not isinstance(v, dict | list) for v in program + current):
            return sorted(map(_scalar, program)) == sorted(map(_scalar, current))
        return all(same(p, c) for p, c in zip(program, current, strict=True))
    if isinstance(program, str) and isinstance(current, str):
        program_doc, current_doc = _json_doc(program), _json_doc(current)
        if program_doc is not None and current_doc is not None:
            return bool(program_doc == current_doc)
    return _scalar(program) == _scalar(current)


def show(value: Any, limit: int = 70) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _scalar(value)
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    if text is None or text == "":
        return "(unset)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def translate(value: Any, table: Mapping[str, str]) -> Any:
    """``value`` with the offline runner's placeholder ids/ARNs replaced by the real ones."""
    if isinstance(value, dict):
        return {k: translate(v, table) for k, v in value.items()}
    if isinstance(value, list):
        return [translate(v, table) for v in value]
    if isinstance(value, str) and table:
        if value in table:
            return table[value]
        for placeholder in sorted(table, key=len, reverse=True):
            if placeholder in value:
                value = value.replace(placeholder, table[placeholder])
    return value


def after_import(kind: Kind, resource: TfResource, context: ImportContext) -> Mapping[str, Any]:
    """terraform's recorded values as the provider will hold them once imported."""
    normalise = IMPORT_NORMALISATIONS.get(kind.pulumi_type)
    return normalise(resource.values, context) if normalise else resource.values


def differences(m: Match, table: Mapping[str, str]) -> list[Difference]:
    d = m.declared
    out: list[Difference] = []
    if m.kind is None:
        # Security group rules: everything but the description is part of the identity.
        program = d.plain.get("description")
        if program is not None and not same(program, m.current.get("description")):
            out.append(
                Difference(
                    d.name, "description", show(m.current.get("description")), show(program), Effect.UPDATE
                )
            )
        return out
    kind = m.kind
    for prop in (*kind.replace, *kind.compare):
        if prop not in d.plain or prop in d.secret_inputs:
            continue
        attribute = kind.renames.get(prop, snake(prop))
        if attribute not in m.current:
            continue
        program = translate(d.plain[prop], table)
        current = m.current[attribute]
        if same(program, current, map_keys=prop in MAP_PROPERTIES):
            continue
        if kind.revisioned:
            effect = Effect.REVISION
        elif prop in kind.replace:
            effect = Effect.REPLACE
        else:
            effect = Effect.UPDATE
        out.append(Difference(d.name, prop, show(current), show(program), effect))
    return out
