"""The transport rule: no password goes to a server that has not proved its identity."""

from __future__ import annotations

import ipaddress

from scripts._cli import UsageError
from scripts.pgurl import PgUrl

INSECURE_FLAG = "--insecure-local-server"
_LOOPBACK_NAMES = frozenset({"localhost"})


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_proven_server(url: PgUrl, source: str, *, insecure_local: bool) -> None:
    """Refuse (exit 2) a transport on which a password could reach a server that has not proved
    who it is; ``insecure_local`` allows one on this machine only.

    libpq sends the password to whoever asks for it in clear (AuthenticationCleartextPassword)
    unless the transport forbids it; sslmode=require encrypts but verifies no certificate.
    (libpq docs, "Protection Provided in Different Modes" and the channel_binding parameter.)
    """
    params = dict(url.params)
    verified = params.get("sslmode") in ("verify-full", "verify-ca") and bool(params.get("sslrootcert"))
    bound = params.get("channel_binding") == "require"
    if verified or bound:
        return
    if insecure_local:
        if not _is_loopback(url.host):
            raise UsageError(
                f"{INSECURE_FLAG} is only for a server on this machine (127.0.0.1, ::1, localhost);"
                f" {source} names {url.host}"
            )
        return
    raise UsageError(
        f"{source}: refusing to send a password to {url.endpoint} before it proves its identity;"
        " add sslmode=verify-full (verify-ca through a port-forward) with sslrootcert=<CA bundle>,"
        f" or channel_binding=require; for a server on this machine only: {INSECURE_FLAG}"
    )
