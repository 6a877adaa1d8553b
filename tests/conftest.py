"""Shared fixtures live in tests/fixtures/, one module per kind of real peer.

Tiers (pytest markers, set here by directory so no test can forget its own):

- ``fast``: the program under the mock runtime, the policy pack, the settings, the delivery
  lint and contract: no server of any kind (``make test-fast``);
- ``servers``: the tools against moto, a real PostgreSQL, local HTTP and DNS servers.
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
    "servers": "moto, PostgreSQL, HTTP, DNS peers",
}
SERVER_DIRS = ("scripts",)


def pytest_configure(config: pytest.Config) -> None:
    for name, text in TIERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        top = Path(item.path).relative_to(root).parts[0]
        item.add_marker("servers" if top in SERVER_DIRS else "fast")
