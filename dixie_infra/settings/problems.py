"""How a configuration problem is reported: the key as the operator writes it, what is allowed,
and never more of the offending value than is safe to show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dixie_infra.redaction import redact, shorten

#: Longer values are not echoed at all: the URL-credential redactor must see a value whole to
#: find the credential in it, and its patterns are not meant to scan megabytes.
REDACT_LIMIT = 1024
#: Keys are echoed only when they look like keys; anything else is shortened and escaped.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.:\-\[\]]{1,120}", re.ASCII)


@dataclass(frozen=True)
class ConfigProblem:
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class SettingsError(ValueError):
    """Every problem found in a stack's configuration, reported together."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} configuration problem(s):\n{lines}")


def show_key(key: str) -> str:
    """A key fit to print: as written when it looks like one, otherwise quoted, escaped, cut."""
    if _PLAIN_KEY.fullmatch(key):
        return key
    return repr(shorten(key, 60))


def echo(value: Any) -> str:
    """An offending value fit to repeat in an error: credentials removed, cut to a few dozen
    characters, control characters escaped. Callers never pass a secret key's value."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        # str() of a huge int is slow (and refused past 4300 digits); its size says enough.
        return str(value) if value.bit_length() <= 64 else f"(a {value.bit_length()}-bit number)"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if len(value) > REDACT_LIMIT:
            return f"(a text of {len(value)} characters)"
        return repr(shorten(redact(value)))
    if isinstance(value, list):
        return f"(a list of {len(value)} items)"
    if isinstance(value, dict):
        return f"(an object with {len(value)} keys)"
    return f"({kind_of(value)})"


def kind_of(value: Any) -> str:
    """What a value is, in YAML's words rather than Python's."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
