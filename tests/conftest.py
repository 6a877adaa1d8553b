"""Shared fixtures live in tests/fixtures/, one module per kind of real peer.

Tiers (pytest markers, set here so no test can forget its own):

- ``integration``: every test under ``tests/scripts/`` (the tools against moto, a real PostgreSQL,
  local HTTP and DNS servers), any other test that asks for a server fixture, and any test marked
  ``integration`` by hand (one that builds real virtualenvs through the Makefile);
- ``fast``: the rest: the program under the mock runtime, the policy pack, the settings, the
  delivery lint and contract (``make test-fast``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures.aws",
    "tests.fixtures.postgres",
]

TIERS = {
    "fast": "no servers: program, policy, settings, delivery",
    "integration": "real peers (moto, PostgreSQL, HTTP, DNS) and real installs",
}
SERVER_DIRS = ("scripts",)
#: Fixtures that start or reach a server (tests/fixtures/).
SERVER_FIXTURES = frozenset({"moto_endpoint", "aws_env", "aws", "pg_server", "pg_tls_server", "pg_case"})


def pytest_configure(config: pytest.Config) -> None:
    for name, text in TIERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        top = Path(item.path).relative_to(root).parts[0]
        uses_server = bool(SERVER_FIXTURES & set(getattr(item, "fixturenames", ())))
        marked = item.get_closest_marker("integration") is not None
        item.add_marker("integration" if top in SERVER_DIRS or uses_server or marked else "fast")
