"""pydantic's validation errors as the operator reads them: each one a :class:`ConfigProblem`
naming the key as written, what was wrong, and what is allowed (the field's description); an
undeclared key gets a did-you-mean and the keys or namespaces that exist."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel

from dixie_infra.settings.problems import ConfigProblem, kind_of, show_key
from dixie_infra.settings.schema import KNOWN_KEYS, NAMESPACES, StackConfig, model_in

_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


def _field_at(loc: tuple[str | int, ...]) -> tuple[str, Any, type[BaseModel] | None]:
    """(key as written, its FieldInfo or None, the model it holds or None) of an error location."""
    model: type[BaseModel] | None = StackConfig
    info = None
    key = ""
    for part in loc:
        if isinstance(part, int):
            continue
        key = part if not key else f"{key}.{part}"
        fields = {f.alias: f for f in model.model_fields.values()} if model is not None else {}
        info = fields.get(part)
        model = model_in(info.annotation) if info is not None else None
    return key, info, model


def _suggest(word: str, options: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown(loc: tuple[str | int, ...]) -> ConfigProblem:
    """An undeclared key: a typo, a key of another namespace, or an aws: key nobody reads."""
    name = str(loc[-1])
    if len(loc) > 1:
        parent, _, model = _field_at(loc[:-1])
        allowed = [f.alias or "" for f in model.model_fields.values()] if model else []
        return ConfigProblem(
            show_key(f"{parent}.{name}"),
            f"unknown key{_suggest(name, allowed)}; allowed: {', '.join(allowed)}",
        )
    shown = show_key(name)
    ns, sep, rest = name.partition(":")
    if not sep:
        return ConfigProblem(
            shown,
            f"is not a namespace:key configuration key{_suggest(name, KNOWN_KEYS)}; "
            f"allowed namespaces: {', '.join(NAMESPACES)}",
        )
    if ns not in NAMESPACES:
        guess = difflib.get_close_matches(ns, list(NAMESPACES), n=1, cutoff=0.5)
        hint = f" (did you mean {show_key(f'{guess[0]}:{rest}')}?)" if guess else ""
        return ConfigProblem(
            shown,
            f"unknown namespace {show_key(ns)}{hint}: nothing reads it, so the value would be ignored; "
            "allowed: " + "; ".join(f"{n}: ({why})" for n, why in NAMESPACES.items()),
        )
    in_ns = [k.partition(":")[2] for k in KNOWN_KEYS if k.startswith(f"{ns}:")]
    why = "" if ns == "dixie" else f" ({NAMESPACES[ns]}; any other would be ignored)"
    return ConfigProblem(shown, f"unknown key{_suggest(rest, in_ns)}{why}; allowed: {', '.join(in_ns)}")


def translate(error: Mapping[str, Any]) -> ConfigProblem | None:
    """The operator's problem for one of pydantic's errors (None: reported through another)."""
    kind = error["type"]
    loc: tuple[str | int, ...] = tuple(error["loc"])
    if kind == "default_factory_not_called":
        return None  # a default that depends on another key that is itself reported
    if kind == "extra_forbidden":
        return _unknown(loc)
    key, info, _ = _field_at(loc)
    ctx = error.get("ctx") or {}
    if kind == "dixie" and ctx.get("key"):
        key = f"{key}.{ctx['key']}"
    shown = show_key(key)
    allowed = (info.description if info is not None else None) or "see docs/configuration"
    items = [p for p in loc if isinstance(p, int)]
    prefix = f"item {items[-1] + 1}: " if items else ""
    if kind == "dixie":
        return ConfigProblem(shown, prefix + str(ctx["message"]))
    if kind == "dixie_empty":
        optional = info is not None and not info.is_required() and not items
        return ConfigProblem(
            shown, f"{prefix}is empty; allowed: {allowed}" + (" (or remove the key)" if optional else "")
        )
    if kind == "missing":
        return ConfigProblem(shown, f"is required; allowed: {allowed}")
    if kind in _EXPECTED:
        got = kind_of(error.get("input"))
        hint = ""
        if kind == "string_type" and isinstance(error.get("input"), int | float | bool):
            hint = " (quote it in YAML: an unquoted value is read as a number or a boolean)"
        return ConfigProblem(shown, f"{prefix}must be {_EXPECTED[kind]}, got {got}{hint}")
    return ConfigProblem(shown, f"{prefix}is not valid; allowed: {allowed}")
