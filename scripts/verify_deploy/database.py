"""The post-deploy migrations check: Dixie's ``_migrations`` table holds the expected rows."""

from __future__ import annotations

from dixie_infra import names
from scripts._aws import parameter_value
from scripts._checks import fail, skip
from scripts._cli import OperationFailed, UsageError, redact
from scripts.verify_deploy.context import DATABASE_URL_ENV, PLACEHOLDER, Context


def _database_url(ctx: Context) -> str | None:
    if ctx.database_url:
        return ctx.database_url
    name = names.parameter_name(ctx.settings.environment, "DATABASE_URL")
    value = parameter_value(ctx.aws_clients.ssm, name)
    if value is not None:
        ctx.secrets.add(value)
    return value


def check_migrations(ctx: Context) -> str:
    """Only a database that cannot be reached from this network skips; anything else that stops
    the comparison (no URL, a malformed one, a wrong password, a missing database) fails."""
    from scripts import migrations, pgurl

    url = _database_url(ctx)
    if not url or url.strip().upper() == PLACEHOLDER:
        raise fail(f"no database URL to check with (set {DATABASE_URL_ENV} or the DATABASE_URL parameter)")
    try:
        target = pgurl.parse_url(url, label="the database URL")
    except UsageError as exc:
        raise fail(f"malformed: {redact(str(exc), [url])}") from None
    unreachable = pgurl.unreachable_reason(target.host, target.port, ctx.timeout)
    if unreachable:
        raise skip(f"database not reachable from this network: {unreachable}")
    try:
        conn = migrations.connect(target, connect_timeout=ctx.timeout)
    except (OperationFailed, UsageError) as exc:
        raise fail(redact(str(exc), [url, target.password])) from None
    with conn:
        result = migrations.check_migrations(conn)
    if result.ok:
        return f"all {len(names.EXPECTED_MIGRATIONS)} expected migrations applied"
    if result.table_missing:
        raise fail("table _migrations does not exist: Dixie has not run its migrations")
    problems = []
    if result.missing:
        problems.append(f"missing: {', '.join(result.missing)}")
    if result.extra:
        problems.append(f"unexpected: {', '.join(result.extra)}")
    raise fail("; ".join(problems) or "migrations do not match")
