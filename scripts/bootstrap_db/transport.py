"""The transport rule: no password goes to a server that has not proved its identity."""

from __future__ import annotations

from scripts._cli import UsageError
from scripts.pgurl import PgUrl, is_loopback

INSECURE_FLAG = "--insecure-local-server"


def require_proven_server(url: PgUrl, source: str, *, insecure_local: bool) -> None:
    """Refuse (exit 2) a transport on which a password could reach a server that has not proved
    who it is; ``insecure_local`` allows one on this machine only.

    libpq sends the password to whoever asks for it in clear (AuthenticationCleartextPassword)
    unless the transport forbids it (see :attr:`PgUrl.proves_identity`).
    """
    if url.proves_identity:
        return
    if insecure_local:
        if not is_loopback(url.host):
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
