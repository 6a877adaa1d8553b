"""The ``--check-migrations`` step: as the app user, ``_migrations`` against the expected list."""

from __future__ import annotations

from scripts._cli import OperationFailed
from scripts.bootstrap_db.statements import MIGRATIONS_SQL
from scripts.bootstrap_db.steps import Connector, Status, Step, StepFailed
from scripts.migrations import MigrationReport, check_migrations
from scripts.pgurl import PgUrl


def migrations_step(open_connection: Connector, app: PgUrl) -> tuple[Step, MigrationReport]:
    """As the app user, compare ``_migrations`` with the expected migrations.

    Raises MigrationsMissing (carrying the report) when the table or an expected one is missing.
    """
    name = "migrations"
    try:
        with open_connection(app) as conn:
            report = check_migrations(conn)
    except OperationFailed as exc:
        raise StepFailed(name, f"checking migrations as {app.user}: {exc}") from None
    if not report.ok:
        raise MigrationsMissing(name, report.summary(), report)
    return Step(name, Status.VERIFIED, report.summary(), (MIGRATIONS_SQL,)), report


class MigrationsMissing(StepFailed):
    def __init__(self, step: str, message: str, report: MigrationReport):
        super().__init__(step, message)
        self.report = report
