"""Local HTTP and DNS peers for the post-deploy tools' tests and benchmark.

* :class:`LocalDns` — a UDP DNS server on 127.0.0.1 answering A queries from a dict (dnspython
  parses and builds the messages); the tools reach it through ``--nameserver``.
* :func:`http_server` — a threaded pytest-httpserver serving health documents.
* :func:`silent_server` — a socket that accepts connections and never answers.
* :class:`StreamingPeer` — a raw HTTP server that sends a body slowly (a byte at a time) or
  without end (hundreds of megabytes), recording how much it sent and whether the client hung up.
* :func:`denying_aws` — an AWS endpoint that denies every call.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.scripts.listener import LoopbackListener

# Request lines from the local servers (and moto's) would land in whatever stderr a test captured
# first, and a later test's capture then sees logging errors.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


# --- DNS ------------------------------------------------------------------------------------------


class LocalDns:
    """An authoritative-looking DNS server for a handful of names (A records only)."""

    def __init__(self, records: dict[str, list[str]] | None = None):
        self.records: dict[str, list[str]] = dict(records or {})
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._sock.getsockname()
        return f"{host}:{port}"

    def __enter__(self) -> LocalDns:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            question = query.question[0]
            name = question.name.to_text(omit_final_dot=True).lower()
            addresses = self.records.get(name)
            if addresses is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.A:
                response.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", "A", addresses))
            self._sock.sendto(response.to_wire(), peer)


# --- HTTP -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def http_server() -> Iterator[HTTPServer]:
    # Threaded, so a slow answer to one request does not queue the others.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


def serve_json(
    server: HTTPServer, path: str, document: Any, *, status: int = 200, delay: float = 0.0
) -> None:
    body = document if isinstance(document, str) else json.dumps(document)
    serve(
        server,
        path,
        lambda: Response(body, status=status, content_type="application/json"),
        delay=delay,
    )


def serve(server: HTTPServer, path: str, respond: Callable[[], Response], *, delay: float = 0.0) -> None:
    stop = threading.Event()

    def handler(_request: Request) -> Response:
        if delay:
            stop.wait(delay)
        return respond()

    server.expect_request(path).respond_with_handler(handler)


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """``http://127.0.0.1:<port>``: the kernel completes the handshake, nobody ever answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


class StreamingPeer(LoopbackListener):
    """One HTTP/1.1 response, its body sent chunk by chunk with a pause between chunks.

    Bounded in time (``max_seconds``) and bound to 127.0.0.1. ``client_gone`` is set when a send
    fails (the client closed the connection), ``finished`` when the whole body went out.
    """

    def __init__(
        self,
        *,
        chunk: bytes,
        chunks: int,
        interval: float = 0.0,
        max_seconds: float = 30.0,
        headers: str = "Content-Type: application/json\r\n",
    ):
        self.chunk, self.chunks, self.interval = chunk, chunks, interval
        self.max_seconds = max_seconds
        self.headers = headers
        self.sent = 0
        self.client_gone = threading.Event()
        self.finished = threading.Event()
        super().__init__(backlog=4)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answer(self, conn: socket.socket) -> None:
        deadline = threading.Event()
        timer = threading.Timer(self.max_seconds, deadline.set)
        timer.start()
        try:
            conn.settimeout(5)
            conn.recv(65536)  # the request; its content does not matter
            conn.sendall(f"HTTP/1.1 200 OK\r\n{self.headers}Transfer-Encoding: chunked\r\n\r\n".encode())
            for _ in range(self.chunks):
                if deadline.is_set() or self._stop.is_set():
                    return
                conn.sendall(f"{len(self.chunk):x}\r\n".encode() + self.chunk + b"\r\n")
                self.sent += len(self.chunk)
                if self.interval:
                    self._stop.wait(self.interval)
            conn.sendall(b"0\r\n\r\n")
            self.finished.set()
        except OSError:
            self.client_gone.set()
        finally:
            timer.cancel()
            conn.close()


# --- AWS, denying ---------------------------------------------------------------------------------


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    assert len(data) < 256
    return (bytes([0x60 + len(data)]) if len(data) < 24 else bytes([0x78, len(data)])) + data


def _cbor_map(mapping: dict[str, str]) -> bytes:
    out = bytes([0xA0 + len(mapping)])
    for key, value in mapping.items():
        out += _cbor_text(key) + _cbor_text(value)
    return out


@contextlib.contextmanager
def denying_aws() -> Iterator[str]:
    """An AWS endpoint that denies every call, in each wire protocol the tools' clients speak."""
    message = "User: arn:aws:iam::123456789012:user/ci is not authorized to perform this action"

    def deny(request: Request) -> Response:
        if request.headers.get("Smithy-Protocol") == "rpc-v2-cbor":
            body = _cbor_map({"__type": "AccessDeniedException", "message": message})
            return Response(
                body,
                status=400,
                content_type="application/cbor",
                headers={"Smithy-Protocol": "rpc-v2-cbor"},
            )
        if request.headers.get("X-Amz-Target"):
            text = json.dumps({"__type": "AccessDeniedException", "message": message})
            return Response(text, status=400, content_type="application/x-amz-json-1.1")
        xml = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        )
        return Response(xml, status=403, content_type="text/xml")

    with http_server() as server:
        import re

        server.expect_request(re.compile(".*")).respond_with_handler(deny)
        yield server.url_for("").rstrip("/")
