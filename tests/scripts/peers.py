"""A healthy deploy's peers together, for scripts.verify_deploy's tests and benchmark: the AWS
state seeded into moto (tests/scripts/peers_aws.py) and Dixie's, Finn's and the DNS servers
(tests/scripts/peers_http.py), each answering as a healthy deploy's do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pytest_httpserver import HTTPServer

from tests.scripts import health_payloads
from tests.scripts.peers_aws import Deploy, seed_deploy, static_dns_records
from tests.scripts.peers_http import LocalDns, http_server, serve_json


@dataclass
class Peers:
    """Dixie, Finn and DNS servers answering as a healthy deploy's do, and the seeded AWS state
    (``None`` for scenarios that exercise only the HTTP and DNS checks)."""

    deploy: Deploy | None
    dixie: HTTPServer
    finn: HTTPServer
    dns: LocalDns

    @property
    def aws(self) -> Deploy:
        assert self.deploy is not None, "this scenario runs without seeded AWS state"
        return self.deploy

    @property
    def dixie_url(self) -> str:
        return self.dixie.url_for("").rstrip("/")

    @property
    def finn_url(self) -> str:
        return self.finn.url_for("").rstrip("/")

    def serve_dixie(self, document: Any, **kwargs: Any) -> None:
        self.dixie.clear()
        serve_json(self.dixie, "/api/health", document, **kwargs)

    def serve_finn(self, document: Any, **kwargs: Any) -> None:
        self.finn.clear()
        serve_json(self.finn, "/health", document, **kwargs)


@contextlib.contextmanager
def healthy_peers(
    session: Any | None,
    endpoint: str | None,
    *,
    delay: float = 0.0,
    servers: tuple[HTTPServer, HTTPServer] | None = None,
) -> Iterator[Peers]:
    """A healthy deploy (AWS state seeded when ``session`` is given); ``servers`` (Dixie's,
    Finn's) are reused when given, since stopping one costs half a second."""
    deploy = seed_deploy(session, endpoint) if session is not None and endpoint else None
    with contextlib.ExitStack() as stack:
        if servers is None:
            servers = (stack.enter_context(http_server()), stack.enter_context(http_server()))
        records = deploy.dns_records if deploy else static_dns_records()
        local_dns = stack.enter_context(LocalDns(records))
        peers = Peers(deploy, servers[0], servers[1], local_dns)
        peers.serve_dixie(health_payloads.healthy(), delay=delay)
        peers.serve_finn(health_payloads.finn_healthy(), delay=delay)
        yield peers
