"""The one place that makes text safe to show: secrets masked, credentials in URLs removed, long
values shortened.

Used by the settings validator (config errors echo the offending value) and by every post-deploy
tool before anything reaches a terminal, a log, a JSON document or an exception. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
#: How much of an offending value an error message may repeat.
ECHO_LIMIT = 80

# userinfo in any URL-ish text: scheme://user:password@host -> scheme://user:***@host
_URL_PASSWORD = re.compile(
    r"(?P<pre>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<post>@)", re.IGNORECASE
)
# libpq-style key=value password
_KV_PASSWORD = re.compile(r"(?P<pre>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Mask every known secret and any password embedded in a URL or ``password=`` pair."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: f"{m['pre']}{MASK}{m['post']}", text)
    return _KV_PASSWORD.sub(lambda m: f"{m['pre']}{MASK}", text)


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"
