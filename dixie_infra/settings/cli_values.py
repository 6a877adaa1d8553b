"""Values as the Pulumi CLI hands them over: every value is text; lists, objects, numbers and
booleans JSON-encoded. :func:`decode_cli_value` turns that text back into the value it encodes,
only when it is exactly what ``pulumi config`` writes."""

from __future__ import annotations

import json
import re
from typing import Any

from dixie_infra.settings.formats import JSON_MAX
from dixie_infra.settings.schema import TEXT_KEYS

_CLI_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})", re.ASCII)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError("duplicate key")
        out[key] = value
    return out


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 18:
        raise ValueError("number too long")
    return int(text)


def _refuse_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a number")


def decode_cli_value(key: str, value: Any) -> Any:
    """The CLI hands every value over as text; lists, objects, numbers and booleans JSON-encoded.

    Text for a key that is not text is decoded only when it is exactly what ``pulumi config``
    writes (``1``, ``true``, a JSON list or object); anything else stays text and is refused as
    the wrong type. ``json.loads`` alone would accept ``"1\\n"`` and ``NaN``.
    """
    if key in TEXT_KEYS or not isinstance(value, str):
        return value
    if _CLI_INT.fullmatch(value):
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    if value[:1] in ("[", "{") and len(value) <= JSON_MAX and value == value.strip():
        try:
            return json.loads(
                value,
                object_pairs_hook=_no_duplicates,
                parse_int=_bounded_int,
                parse_constant=_refuse_constant,
            )
        except (ValueError, RecursionError):
            return value
    return value
