"""Policy tests import the pack the way the CLI does: ``policy/`` first on ``sys.path``, then
``import dixie_policies``. ``policy/__main__.py`` is never imported (``PolicyPack`` blocks).

The armitage and production evaluations are the program tests' session fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))

from tests.program.conftest import armitage, production  # noqa: E402

__all__ = ["armitage", "production"]
