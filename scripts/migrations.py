"""Compare a database's ``_migrations`` table with the migrations Dixie is expected to have applied.

Dixie applies forward-only SQL migrations at start-up and records each in ``_migrations``
(``id serial, filename text unique, checksum text, applied_at timestamptz``). The expected set is
``dixie_infra.names.EXPECTED_MIGRATIONS`` (the app's 13 forward migrations).

:func:`check_migrations` takes an open psycopg connection (the caller decides who connects and
how), reads without writing, and returns a :class:`MigrationReport`. :func:`connect` (from
:mod:`scripts.pgurl`) opens such a connection from a URL with redacted, classified errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from dixie_infra.names import EXPECTED_MIGRATIONS
from scripts._cli import OperationFailed
from scripts.pgurl import connect, describe_error

__all__ = ["MigrationReport", "check_migrations", "connect"]


@dataclass(frozen=True)
class MigrationReport:
    applied: tuple[str, ...]
    """Filenames found in ``_migrations``, in id order."""
    missing: tuple[str, ...]
    """Expected (``names.EXPECTED_MIGRATIONS``) but absent, in expected order."""
    extra: tuple[str, ...]
    """Present but not expected (a newer app, or a migration applied by hand)."""
    table_missing: bool
    """No ``_migrations`` table at all: the app has never started against this database."""

    @property
    def ok(self) -> bool:
        return not self.table_missing and not self.missing

    def summary(self) -> str:
        if self.table_missing:
            return "no _migrations table (the app has not run its migrations here yet)"
        found = len(EXPECTED_MIGRATIONS) - len(self.missing)
        text = f"{found}/{len(EXPECTED_MIGRATIONS)} expected migrations applied"
        if self.missing:
            text += f"; missing: {', '.join(self.missing)}"
        if self.extra:
            text += f"; unexpected extra: {', '.join(self.extra)}"
        return text


def check_migrations(conn: psycopg.Connection[Any]) -> MigrationReport:
    """Read ``_migrations`` as resolved by the connection's search_path (as the app resolves it).

    Raises OperationFailed (redacted message) when the table exists but cannot be read.
    """
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT to_regclass('_migrations') IS NOT NULL")
            row = cur.fetchone()
            if not (row and row[0]):
                return MigrationReport(applied=(), missing=EXPECTED_MIGRATIONS, extra=(), table_missing=True)
            cur.execute("SELECT filename FROM _migrations ORDER BY id")
            applied = tuple(str(r[0]) for r in cur.fetchall())
    except psycopg.Error as exc:
        raise OperationFailed(f"cannot read _migrations: {describe_error(exc)}") from None
    present = set(applied)
    expected = set(EXPECTED_MIGRATIONS)
    return MigrationReport(
        applied=applied,
        missing=tuple(m for m in EXPECTED_MIGRATIONS if m not in present),
        extra=tuple(m for m in applied if m not in expected),
        table_missing=False,
    )
