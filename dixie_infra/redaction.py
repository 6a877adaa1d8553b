"""The one place that makes text safe to show: secrets masked, credentials in URLs removed, control
characters neutralised, long values shortened.

Used by the settings validator (config errors echo the offending value) and by every post-deploy
tool before anything reaches a terminal, a log, a JSON document or an exception. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
#: How much of an offending value an error message may repeat.
ECHO_LIMIT = 80

# userinfo with a password in any URL-ish text: scheme://user:password@host -> scheme://user:***@host.
# The password runs to the *last* '@' before the host, so an unencoded '@' in it does not leave its
# tail showing.
_URL_PASSWORD = re.compile(
    r"(?P<pre>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>\S*)(?P<post>@)(?=[^@\s/?#]*(?:[/?#\s]|$))",
    re.IGNORECASE,
)
# A bare token as userinfo (https://ghp_xxx@github.com): on http(s) a user name alone is a credential.
_URL_TOKEN = re.compile(r"(?P<pre>\bhttps?://)(?P<token>[^:/@\s]+)(?P<post>@)", re.IGNORECASE)
# password=..., password: ..., "password": "..." (libpq key=value, env files, JSON, YAML)
_KV_PASSWORD = re.compile(
    r"""(?P<pre>\b(?:pg)?(?:password|passwd|pwd)["']?\s*[=:]\s*)"""
    r"""(?P<pw>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;&}]+)""",
    re.IGNORECASE,
)
# C0 controls (ESC starts every terminal escape), DEL, C1 controls (0x9b is a one-byte CSI) and the
# bidirectional overrides that make a terminal show text in another order than it is.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Mask every known secret (also percent-encoded) and any credential in a URL or ``password=``."""
    known = {s for s in secrets if s}
    variants = {v for s in known for v in (s, quote(s, safe=""), quote_plus(s)) if len(v) >= 1}
    for secret in sorted(variants, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: f"{m['pre']}{MASK}{m['post']}", text)
    text = _URL_TOKEN.sub(lambda m: f"{m['pre']}{MASK}{m['post']}", text)
    return _KV_PASSWORD.sub(lambda m: f"{m['pre']}{MASK}", text)


def neutralise(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``) instead of acted on.

    Remote peers (a health body, an AWS error message) choose these bytes; a terminal would obey
    them (move the cursor, rewrite the line, set the window title, hide the text that follows).
    """

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if keep_newlines and char in "\n\t":
            return char
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(escape, text)


def safe(text: str, secrets: Iterable[str | None] = (), *, keep_newlines: bool = False) -> str:
    """Redacted and neutralised: what every tool's output passes through."""
    return neutralise(redact(text, secrets), keep_newlines=keep_newlines)


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"
