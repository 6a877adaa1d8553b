"""PostgreSQL connection URLs and connections for the post-deploy tools, without leaking passwords.

:func:`parse_url` turns a ``postgresql://`` (or ``postgres://``) URL into a :class:`PgUrl`,
percent-decoding user, password and database, and refusing before any connection what we can tell
is wrong (scheme, missing password, missing database, bad port, unknown query parameters) with a
:class:`~scripts._cli.UsageError`. :func:`connect` opens a psycopg connection with keyword
arguments (never a DSN string that could be echoed back) and turns every connection failure into
an :class:`~scripts._cli.OperationFailed` carrying a short classified message ("authentication
failed for user X at host:port") that has been through :func:`~scripts._cli.redact`.
:func:`describe_error` does the same for errors raised by statements.

Needs psycopg 3 and a reachable server; nothing else.
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import psycopg

from scripts._cli import OperationFailed, UsageError, redact

SCHEMES = ("postgresql", "postgres")
DEFAULT_PORT = 5432
DEFAULT_ADMIN_DATABASE = "postgres"
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
#: Query parameters passed through to libpq. Identity and endpoint come only from the URL's own
#: parts, so a ``?password=`` or ``?host=`` cannot silently override them.
PASSTHROUGH_PARAMS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "channel_binding",
    "application_name",
    "target_session_attrs",
    "gssencmode",
)
MASK = "***"


@dataclass(frozen=True)
class PgUrl:
    """One parsed connection URL; the password never appears in ``repr`` or :meth:`masked`."""

    user: str
    password: str = field(repr=False)
    host: str
    port: int
    dbname: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def ssl_params(self) -> dict[str, str]:
        return {k: v for k, v in self.params if k.startswith("ssl") or k == "channel_binding"}

    @property
    def proves_identity(self) -> bool:
        """Whether libpq will give the password only to a server that has proved who it is.

        Either the server's certificate is checked against a CA bundle (``sslmode=verify-full``
        or ``verify-ca`` with ``sslrootcert``), or ``channel_binding=require``: libpq then refuses
        every authentication request but SCRAM-SHA-256-PLUS, which binds the exchange to the TLS
        session and never sends the password itself. Anything else (``require`` accepts any
        certificate; ``prefer`` falls back to plain TCP) hands the password to whoever asks for
        it in clear (libpq docs, "Protection Provided in Different Modes" and channel_binding).
        """
        params = dict(self.params)
        verified = params.get("sslmode") in ("verify-full", "verify-ca") and bool(params.get("sslrootcert"))
        return verified or params.get("channel_binding") == "require"

    def with_params(self, **params: str) -> PgUrl:
        """This URL with ``params`` set (replacing any value the URL gave them)."""
        kept = tuple((k, v) for k, v in self.params if k not in params)
        return replace(self, params=kept + tuple(params.items()))

    def masked(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{quote(self.user, safe='')}:{MASK}@{host}:{self.port}/{self.dbname}" + (
            f"?{query}" if query else ""
        )

    def with_identity(self, other: PgUrl) -> PgUrl:
        """This URL's endpoint and transport settings, ``other``'s user, password and database.

        Used to log in as the app through the endpoint the admin reaches (a port-forward, say),
        with the TLS settings the operator chose for that endpoint.
        """
        return replace(self, user=other.user, password=other.password, dbname=other.dbname)

    def with_database(self, dbname: str) -> PgUrl:
        return replace(self, dbname=dbname)

    def connect_kwargs(self, *, connect_timeout: float) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
            # libpq counts whole seconds (and at least 2); round up so we never wait less.
            "connect_timeout": max(2, math.ceil(connect_timeout)),
            **dict(self.params),
        }


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: localhost or a loopback address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_url(
    url: str,
    *,
    label: str,
    default_database: str | None = None,
) -> PgUrl:
    """Parse and check a connection URL; ``label`` names its source in every message.

    Without ``default_database`` the URL must name a database.
    """
    url = url.strip()
    if re.search(r"[\x00-\x20\x7f]", url):
        # urlsplit silently drops tabs and newlines; a URL carrying them was mangled somewhere.
        raise UsageError(f"{label} contains whitespace or a control character (percent-encode it)")
    # Messages below name the label and the part that is wrong, never echo the URL itself: a
    # malformed URL can still hold a password in a place redact() does not recognise.
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UsageError(f"{label} is not a valid URL (bad host or port)") from None
    if parts.scheme.lower() not in SCHEMES:
        shown = parts.scheme or "none"
        raise UsageError(f"{label} has scheme {shown!r}; allowed: postgresql:// or postgres://")
    if parts.fragment:
        raise UsageError(f"{label} has a #fragment; percent-encode '#' in the password as %23")
    if not parts.hostname:
        raise UsageError(f"{label} has no host (expected postgresql://user:password@host:port/db)")
    user = unquote(parts.username or "")
    if not user:
        raise UsageError(f"{label} has no user name")
    if parts.password is None or not unquote(parts.password):
        raise UsageError(f"{label} has no password for user {user!r}")
    password = unquote(parts.password)
    dbname = unquote(parts.path.lstrip("/")) or default_database
    if not dbname:
        raise UsageError(f"{label} names no database (expected …@host:port/<database>)")
    if "/" in dbname:
        raise UsageError(f"{label}: database name {dbname!r} contains '/'")
    if port == 0:
        raise UsageError(f"{label} has port 0; allowed: 1-65535")
    params: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in PASSTHROUGH_PARAMS:
            allowed = ", ".join(PASSTHROUGH_PARAMS)
            raise UsageError(f"{label} has query parameter {key!r}; allowed: {allowed}")
        if key == "sslmode" and value not in SSLMODES:
            allowed = ", ".join(SSLMODES)
            raise UsageError(f"{label} has sslmode={value!r}; allowed: {allowed}")
        params.append((key, value))
    return PgUrl(
        user=user,
        password=password,
        host=parts.hostname,
        port=port or DEFAULT_PORT,
        dbname=dbname,
        params=tuple(params),
    )


def unreachable_reason(host: str, port: int, timeout: float) -> str | None:
    """Why nothing answers at ``host:port`` from this network (None when a TCP connection opens).

    Only this, and not what libpq says after connecting, tells "not reachable from here" apart
    from a wrong password or a missing database: libpq's messages are prose, not codes.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except socket.gaierror:
        return f"cannot resolve {host} from here"
    except TimeoutError:
        return f"no answer from {host}:{port} within {timeout:g} s"
    except ConnectionRefusedError:
        return f"{host}:{port} refused the connection (nothing listens there from here)"
    except OSError as exc:
        return f"cannot reach {host}:{port}: {exc.strerror or type(exc).__name__}"


def connect(
    url: str | PgUrl,
    *,
    connect_timeout: float,
    autocommit: bool = True,
    label: str = "database URL",
) -> psycopg.Connection[Any]:
    """An open connection, or OperationFailed / UsageError with a redacted one-line message."""
    target = url if isinstance(url, PgUrl) else parse_url(url, label=label)
    try:
        return psycopg.connect(
            autocommit=autocommit, **target.connect_kwargs(connect_timeout=connect_timeout)
        )
    except psycopg.Error as exc:
        raise OperationFailed(describe_connect_error(exc, target, connect_timeout=connect_timeout)) from None


# libpq's own wording, matched case-insensitively; first match wins.
_CONNECT_FAILURES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), message)
    for pattern, message in (
        (
            r"authentication failed",
            "authentication failed for user {user} at {endpoint}",
        ),
        (
            r"no password supplied",
            "the server at {endpoint} asked user {user} for a password and none was sent",
        ),
        (
            r"is not permitted to log in",
            "role {user} is not permitted to log in at {endpoint}",
        ),
        (
            r'database "[^"]*" does not exist',
            "database {dbname} does not exist at {endpoint}",
        ),
        (
            r'role "[^"]*" does not exist',
            "role {user} does not exist at {endpoint}",
        ),
        (
            r"no pg_hba\.conf entry",
            "{endpoint} does not admit user {user} to database {dbname} from this host"
            " (pg_hba.conf; check sslmode)",
        ),
        (
            # libpq: "channel binding required, but ..." / "channel binding is required, but ...".
            r"channel binding",
            "the server at {endpoint} did not prove its identity: it offered no SCRAM"
            " authentication with channel binding over TLS, so no password was sent",
        ),
        (
            r"server does not support ssl",
            "the server at {endpoint} does not support SSL; use sslmode=disable or prefer",
        ),
        (
            r"ssl|certificate",
            "SSL negotiation with {endpoint} failed; check sslmode/sslrootcert",
        ),
        (
            r"could not translate host name|name or service not known|nodename nor servname",
            "cannot resolve host {host}",
        ),
        (
            r"timeout expired|timed out",
            "cannot connect to {endpoint} within {timeout}s (timed out)",
        ),
        (
            r"connection refused",
            "cannot connect to {endpoint} within {timeout}s (connection refused)",
        ),
        (
            r"too many connections|remaining connection slots",
            "the server at {endpoint} has no free connection slots",
        ),
        (
            r"the database system is (starting up|shutting down|in recovery)",
            "the server at {endpoint} is not accepting connections yet",
        ),
    )
)


def describe_connect_error(exc: BaseException, target: PgUrl, *, connect_timeout: float) -> str:
    text = str(exc)
    for pattern, message in _CONNECT_FAILURES:
        if pattern.search(text):
            return message.format(
                user=target.user,
                endpoint=target.endpoint,
                host=target.host,
                dbname=target.dbname,
                timeout=max(2, math.ceil(connect_timeout)),
            )
    lines = redact(text, [target.password]).strip().splitlines()
    reason = lines[0] if lines else type(exc).__name__
    return f"cannot connect to {target.endpoint} as {target.user}: {reason}"


def describe_error(exc: psycopg.Error, secrets: Iterable[str | None] = ()) -> str:
    """A one-line, redacted description of a failed statement: sqlstate plus the server's words."""
    diag = exc.diag
    primary = diag.message_primary or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    kind = "permission denied" if exc.sqlstate == "42501" else None
    text = f"{primary} (SQLSTATE {exc.sqlstate})" if exc.sqlstate else primary
    if kind and "permission denied" not in primary.lower():
        text = f"{kind}: {text}"
    return redact(text, secrets)
