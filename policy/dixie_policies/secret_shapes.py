"""Whether a plain value looks like a credential, judged by its shape, not by the name it is under.

A secret renamed to ``UPSTREAM`` or ``SETTING_7`` is still a secret. Each detector recognises one
kind of credential by what the value looks like; :func:`secret_kind` names the first that
matches (the kind goes into messages, the value never does).

Values that must stay unflagged: ordinary URLs (``http://tempo.arrakis.local:4317``), paths,
ARNs, image references, ports, environment names, and the program's ``DIXIE_CONFIG_REVISION``
(12 hex characters: a digest prefix, too short to be a key).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

#: ``scheme://user:password@host``: a URL that carries a password in plain text.
URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@", re.IGNORECASE)
#: Query parameters that carry a credential (``?password=``, ``&X-Amz-Signature=``, ``?token=``).
SECRET_QUERY_KEY = re.compile(r"(?i)(pass(word|wd)?|secret|token|signature|api[_-]?key|access[_-]?key|auth)")
PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*(PRIVATE KEY|ENCRYPTED|PGP PRIVATE)[A-Z0-9 ]*-----")
#: ``-----BEGIN`` base64-encoded: a PEM smuggled past the check above.
BASE64_PEM = re.compile(r"LS0tLS1CRUdJT")
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
#: Access key ids: long-term (AKIA), temporary (ASIA) and the other credential-bearing prefixes
#: IAM documents for unique ids.
AWS_ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b")
#: Tokens whose vendor prefix says what they are (GitHub, GitLab, Slack, Stripe, OpenAI-style).
VENDOR_TOKEN = re.compile(
    r"\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}|[sr]k_(live|test)_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{32,})"
)
HEX_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{32,}$")
#: A run of token characters: base64, base64url, hex and the separators keys are written with.
TOKEN = re.compile(r"^[A-Za-z0-9+/=_.~-]+$")
MIN_TOKEN_LENGTH = 24
#: Bits per character. Random base64 of 24+ characters scores about 4.3 or more; words, paths
#: and host names score below 4 because they repeat letters.
MIN_TOKEN_ENTROPY = 4.0
#: Random base64 is about 16% vowels (10 of 64 characters); identifiers made of words
#: (``DixieArmitageEcsTaskExecutionRole``) are 35-50%. Below this share a token reads as random;
#: a token that happens to hold more vowels is still caught by digits scattered through it.
MAX_TOKEN_VOWEL_SHARE = 0.3
MIN_TOKEN_DIGIT_RUNS = 3


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _high_entropy_token(value: str) -> bool:
    if len(value) < MIN_TOKEN_LENGTH or not TOKEN.match(value):
        return False
    classes = sum(bool(re.search(p, value)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    # A path or a dotted name is words between separators; a token is mostly one unbroken run
    # (base64url's - and _ included).
    longest_run = max(len(part) for part in re.split(r"[/.~]", value))
    # A short string cannot reach the entropy of a long one: log2(24) is 4.58 at most.
    entropy_floor = min(MIN_TOKEN_ENTROPY, 0.8 * math.log2(len(value)))
    if classes < 2 or longest_run < MIN_TOKEN_LENGTH * 2 // 3 or _entropy(value) < entropy_floor:
        return False
    letters = [c for c in value if c.isalpha()]
    vowels = sum(c in "aeiouAEIOU" for c in letters) / max(len(letters), 1)
    # Digits scattered through the value, not a version or year at its end.
    digit_runs = len(re.findall(r"[0-9]+", value))
    return vowels < MAX_TOKEN_VOWEL_SHARE or digit_runs >= MIN_TOKEN_DIGIT_RUNS


def _url_secret(value: str) -> str | None:
    if URL_WITH_PASSWORD.search(value):
        return "a URL with a password"
    if "://" in value and "?" in value:
        try:
            query = urlsplit(value).query
        except ValueError:
            return None
        if any(SECRET_QUERY_KEY.search(key) and v for key, v in parse_qsl(query)):
            return "a URL with a credential in its query"
    return None


def secret_kind(value: str) -> str | None:
    """What kind of credential ``value`` looks like, or None."""
    value = value.strip()
    if not value:
        return None
    checks: tuple[tuple[str, bool], ...] = (
        ("a private key (PEM)", bool(PEM.search(value) or BASE64_PEM.search(value))),
        ("a JSON Web Token", bool(JWT.search(value))),
        ("an AWS access key id", bool(AWS_ACCESS_KEY_ID.search(value))),
        ("a vendor API token", bool(VENDOR_TOKEN.search(value))),
        ("a hex key of 32 or more characters", bool(HEX_KEY.match(value))),
    )
    for kind, matched in checks:
        if matched:
            return kind
    url = _url_secret(value)
    if url:
        return url
    if _high_entropy_token(value):
        return "a long high-entropy token"
    return None


__all__ = ["URL_WITH_PASSWORD", "secret_kind"]
