"""Reading Dixie's and Finn's health endpoints and judging what they say.

Fetching is separate from judging: :func:`get_json` turns any HTTP outcome (timeout, refused
connection, error status, a body that is not JSON) into an :class:`HttpAnswer`, and the
``judge_*`` functions read the document shape of Dixie's ``GET /api/health`` (see the facts sheet):
``status``, ``services.loa_finn`` {status, latency_ms, circuit_state, error?},
``infrastructure`` {postgresql?, redis?, nats?} (a key is absent when that dependency is not
configured) and ``governance`` {health}. Each judge returns the pass detail or raises
:class:`scripts._checks.Outcome`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from dixie_infra.redaction import MASK
from scripts._checks import fail, skip

HEALTHY = "healthy"
INFRASTRUCTURE = ("postgresql", "redis", "nats")
#: What a peer may say about a dependency it is connected to.
CONNECTED_WORDS = frozenset({"connected", "healthy", "ok", "up", "true"})
#: A health document is a few hundred bytes; anything near this is not one, and reading it whole
#: would let a peer choose our memory use.
MAX_BODY_BYTES = 1024 * 1024
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f-\U0010ffff]")


@dataclass(frozen=True)
class HttpAnswer:
    url: str
    status_code: int | None
    body: Any
    error: str | None

    @property
    def document(self) -> Mapping[str, Any] | None:
        return self.body if isinstance(self.body, Mapping) else None


def masked_url(url: str) -> str:
    """``url`` with any user or password replaced by ``***``: what output may show of it."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{MASK}@{host}"))


def check_http_url(url: str, option: str) -> str:
    """``url`` without a trailing slash; ValueError naming ``option`` when it is not http(s).

    Messages show the URL without its credentials. Whitespace and control characters are refused
    rather than dropped (``urlsplit`` silently removes tabs and newlines).
    """
    if _URL_UNSAFE.search(url):
        raise ValueError(f"{option} contains whitespace, a control or a non-ASCII character")
    parts = urlsplit(url)
    shown = masked_url(url)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not 1-65535
    except ValueError:
        raise ValueError(f"{option} {shown!r} has a port outside 1-65535") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{option} {shown!r} is not an http(s) URL such as https://host.example")
    if parts.query or parts.fragment:
        raise ValueError(f"{option} {shown!r} must not carry a query or fragment")
    return url.rstrip("/")


class _BodyRefused(Exception):
    pass


def _read_bounded(response: httpx.Response, deadline: float, max_bytes: int, timeout: float) -> bytes:
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        # We asked for identity; a compressed body would be inflated past any byte bound.
        raise _BodyRefused(f"a {encoding!r}-encoded body, though identity was asked for")
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise _BodyRefused(f"a body of {int(declared)} bytes (more than {max_bytes})")
    body = bytearray()
    for chunk in response.iter_raw():
        body += chunk
        if len(body) > max_bytes:
            raise _BodyRefused(f"a body of more than {max_bytes} bytes")
        # Each read has its own timeout; a peer sending a byte at a time never trips it.
        if time.monotonic() > deadline:
            raise _BodyRefused(f"a body not complete within {timeout:g} s")
    return bytes(body)


def get_json(http: httpx.Client, url: str, timeout: float, *, max_bytes: int = MAX_BODY_BYTES) -> HttpAnswer:
    """GET ``url`` and parse its JSON body; at most ``max_bytes`` read, in at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    shown = masked_url(url)
    try:
        with http.stream("GET", url, timeout=timeout, headers={"accept-encoding": "identity"}) as response:
            status = response.status_code
            raw = _read_bounded(response, deadline, max_bytes, timeout)
    except _BodyRefused as exc:
        return HttpAnswer(shown, None, None, f"{shown} sent {exc}")
    except httpx.TimeoutException:
        return HttpAnswer(shown, None, None, f"no answer from {shown} within {timeout:g} s")
    except httpx.HTTPError as exc:
        return HttpAnswer(shown, None, None, f"cannot reach {shown}: {type(exc).__name__}: {exc}")
    try:
        body: Any = json.loads(raw)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        body = None
    if status != 200:
        return HttpAnswer(shown, status, body, f"HTTP {status} from {shown}")
    if body is None:
        return HttpAnswer(shown, 200, None, f"{shown} answered 200 but the body is not valid JSON")
    return HttpAnswer(shown, 200, body, None)


def _status_of(entry: Any) -> str:
    if isinstance(entry, Mapping):
        return str(entry.get("status", "missing status"))
    return str(entry)


def _reason(name: str, entry: Any) -> str:
    text = f"{name} {_status_of(entry)}"
    if isinstance(entry, Mapping) and entry.get("error"):
        text += f" ({entry['error']})"
    return text


def unhealthy_parts(doc: Mapping[str, Any]) -> list[str]:
    """Why a health document is not all green, one phrase per unhealthy part."""
    reasons: list[str] = []
    services = doc.get("services")
    for name, entry in services.items() if isinstance(services, Mapping) else ():
        if _status_of(entry) != HEALTHY:
            reasons.append(_reason(f"services.{name}", entry))
        if isinstance(entry, Mapping) and entry.get("circuit_state") not in (None, "closed"):
            reasons.append(f"services.{name} circuit {entry['circuit_state']}")
    infrastructure = doc.get("infrastructure")
    if isinstance(infrastructure, Mapping):
        for name, entry in infrastructure.items():
            if _status_of(entry) != HEALTHY:
                reasons.append(_reason(f"infrastructure.{name}", entry))
    governance = doc.get("governance")
    if isinstance(governance, Mapping) and governance.get("health", HEALTHY) != HEALTHY:
        reasons.append(f"governance {governance.get('health')}")
    return reasons


def judge_dixie_status(answer: HttpAnswer) -> str:
    if answer.error:
        doc = answer.document
        if doc is not None and "status" in doc:
            raise fail(f"{answer.error}; status {doc['status']}: {'; '.join(unhealthy_parts(doc))}")
        raise fail(answer.error)
    doc = answer.document
    if doc is None:
        raise fail(f"{answer.url} answered JSON that is not an object")
    status = doc.get("status")
    if status != HEALTHY:
        reasons = unhealthy_parts(doc)
        raise fail(f"status {status!r}" + (f": {'; '.join(reasons)}" if reasons else ""))
    version = doc.get("version")
    return "status healthy" + (f", version {version}" if version else "")


def _document_or_skip(answer: HttpAnswer) -> Mapping[str, Any]:
    doc = answer.document
    if doc is None:
        raise skip("no health document to read (see dixie-health)")
    return doc


def judge_finn_circuit(answer: HttpAnswer, latency_limit_ms: float) -> str:
    doc = _document_or_skip(answer)
    services = doc.get("services")
    finn = services.get("loa_finn") if isinstance(services, Mapping) else None
    if not isinstance(finn, Mapping):
        raise fail("services.loa_finn is missing from the health document")
    problems = []
    if finn.get("status") != HEALTHY:
        problems.append(_reason("status", finn))
    if finn.get("circuit_state") != "closed":
        problems.append(f"circuit {finn.get('circuit_state', 'missing')}")
    latency = finn.get("latency_ms")
    if not isinstance(latency, int | float) or isinstance(latency, bool):
        problems.append("latency_ms missing")
    elif latency >= latency_limit_ms:
        problems.append(f"latency {latency:g} ms >= {latency_limit_ms:g} ms")
    if problems:
        raise fail("loa_finn " + ", ".join(problems))
    return f"loa_finn healthy, circuit closed, latency {latency:g} ms < {latency_limit_ms:g} ms"


def judge_infrastructure(answer: HttpAnswer) -> str:
    doc = _document_or_skip(answer)
    infrastructure = doc.get("infrastructure")
    if not isinstance(infrastructure, Mapping):
        raise fail("no infrastructure section: postgresql, redis and nats are not configured")
    problems = []
    for name in INFRASTRUCTURE:
        if name not in infrastructure:
            problems.append(f"{name} missing (not configured)")
        elif _status_of(infrastructure[name]) != HEALTHY:
            problems.append(_reason(name, infrastructure[name]))
    if problems:
        raise fail("; ".join(problems))
    return ", ".join(f"{name} healthy" for name in INFRASTRUCTURE)


def judge_governance(answer: HttpAnswer) -> str:
    doc = _document_or_skip(answer)
    governance = doc.get("governance")
    if governance is None:
        raise skip("no governance section in the health document")
    if not isinstance(governance, Mapping) or governance.get("health") != HEALTHY:
        health = governance.get("health") if isinstance(governance, Mapping) else governance
        raise fail(f"governance health {health!r}")
    return f"governance healthy ({governance.get('governor_count', '?')} governors)"


def _find_dixie(node: Any, depth: int = 0) -> tuple[str, Any] | None:
    """The first entry whose key names Dixie, searched breadth-first a few levels deep."""
    if depth > 3 or not isinstance(node, Mapping):
        return None
    for key, value in node.items():
        if "dixie" in str(key).lower():
            return str(key), value
    for value in node.values():
        found = _find_dixie(value, depth + 1)
        if found:
            return found
    return None


def judge_finn_health(answer: HttpAnswer) -> str:
    """Finn's ``/health`` is 200; where it reports on Dixie, it reports it connected.

    Finn's document shape is not ours, so Dixie's entry is found by key name and read leniently:
    a word (``connected``), a boolean, or an object with ``status``/``connected``.
    """
    if answer.error:
        raise fail(answer.error)
    found = _find_dixie(answer.document) if answer.document is not None else None
    if found is None:
        return "HTTP 200 (Finn's health does not report on Dixie)"
    key, value = found
    if isinstance(value, Mapping):
        if "connected" in value:
            state = str(value["connected"]).lower()
        else:
            state = str(value.get("status", "")).lower()
    else:
        state = str(value).lower()
    if state not in CONNECTED_WORDS:
        raise fail(f"Finn reports {key} as {state or 'unknown'!r}, not connected")
    return f"HTTP 200, Finn reports {key} {state}"
