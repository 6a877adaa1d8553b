"""A fake PostgreSQL server that records what clients send it: the test peer that proves no
password leaves the machine for a server that has not proved its identity.

It listens on 127.0.0.1, answers the SSLRequest with ``N`` (no TLS) or ``S`` and a TLS handshake
with a self-signed certificate, then asks for the password in clear
(AuthenticationCleartextPassword), as a server impersonating the database would. Everything it
receives (after TLS, the decrypted bytes: what an impersonator reads) is kept in ``received``.
Every connection is bounded in time; the server stops when its context exits.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import struct
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scripts.listener import LoopbackListener

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
AUTH_CLEARTEXT = 3


def self_signed_certificate(directory: Path, name: str = "impostor") -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by nobody anyone trusts, and its key (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class FakePostgres(LoopbackListener):
    def __init__(self, *, tls: bool, max_seconds: float = 10.0):
        super().__init__()
        self.tls = tls
        self.max_seconds = max_seconds
        self.received = bytearray()
        self.connections = 0
        self.passwords: list[bytes] = []
        self._lock = threading.Lock()
        self._dir = tempfile.TemporaryDirectory(prefix="fake-pg-")
        self.cert, self.key = self_signed_certificate(Path(self._dir.name))

    def url(self, password: str, *, user: str = "postgres", query: str = "") -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/postgres" + (
            f"?{query}" if query else ""
        )

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self._dir.cleanup()

    def _accepted(self) -> None:
        with self._lock:
            self.connections += 1

    def _read(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            if not chunk:
                raise ConnectionError("client closed")
            data += chunk
        with self._lock:
            self.received += data
        return data

    def _answer(self, raw: socket.socket) -> None:
        conn: socket.socket = raw
        conn.settimeout(self.max_seconds)
        try:
            while True:
                (length,) = struct.unpack("!I", self._read(conn, 4))
                body = self._read(conn, length - 4)
                (code,) = struct.unpack("!I", body[:4])
                if code == SSL_REQUEST and self.tls:
                    conn.sendall(b"S")
                    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    context.load_cert_chain(self.cert, self.key)
                    conn = context.wrap_socket(conn, server_side=True)
                    continue
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    conn.sendall(b"N")
                    continue
                break  # the startup message
            # "Send me your password in clear": what libpq answers unless told not to.
            conn.sendall(b"R" + struct.pack("!II", 8, AUTH_CLEARTEXT))
            kind = self._read(conn, 1)
            (length,) = struct.unpack("!I", self._read(conn, 4))
            payload = self._read(conn, length - 4)
            if kind == b"p":
                with self._lock:
                    self.passwords.append(payload.rstrip(b"\0"))
            error = b"SFATAL\0C28P01\0Mpassword authentication failed\0\0"
            conn.sendall(b"E" + struct.pack("!I", len(error) + 4) + error)
        except (OSError, ConnectionError, ssl.SSLError, struct.error):
            pass
        finally:
            conn.close()


@pytest.fixture(name="plain")
def fixture_plain() -> Iterator[FakePostgres]:
    """An impostor that refuses TLS and asks for the password in clear."""
    with FakePostgres(tls=False) as server:
        yield server


@pytest.fixture(name="impostor")
def fixture_impostor() -> Iterator[FakePostgres]:
    """An impostor with a self-signed certificate that asks for the password in clear."""
    with FakePostgres(tls=True) as server:
        yield server
