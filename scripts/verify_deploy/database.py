"""The post-deploy migrations check: Dixie's ``_migrations`` table holds the expected rows.

The app's password goes only to a server that proves its identity, as bootstrap_db's does: a
certificate checked against ``--database-ca`` (or the URL's own ``verify-full``/``verify-ca`` and
``sslrootcert``), else SCRAM with channel binding (``channel_binding=require`` is added), which
an impostor cannot complete and which never sends the password. The program's DATABASE_URL
carries no TLS settings, so without ``--database-ca`` the check relies on channel binding.
"""

from __future__ import annotations

from dixie_infra import names
from scripts._aws import parameter_value
from scripts._checks import fail, skip
from scripts._cli import OperationFailed, UsageError, redact
from scripts.pgurl import PgUrl, is_loopback
from scripts.verify_deploy.context import (
    DATABASE_CA_FLAG,
    DATABASE_URL_ENV,
    INSECURE_DATABASE_FLAG,
    PLACEHOLDER,
    Context,
)


def _database_url(ctx: Context) -> str | None:
    if ctx.database_url:
        return ctx.database_url
    name = names.parameter_name(ctx.settings.environment, "DATABASE_URL")
    value = parameter_value(ctx.aws_clients.ssm, name)
    if value is not None:
        ctx.secrets.add(value)
    return value


def _proven(target: PgUrl, ctx: Context) -> PgUrl:
    """The URL to connect with: one on which the password reaches only a server that proved who
    it is (see :attr:`PgUrl.proves_identity`), or a local one the operator let through."""
    if ctx.database_ca is not None:
        return target.with_params(sslmode="verify-full", sslrootcert=str(ctx.database_ca))
    if target.proves_identity:
        return target
    if ctx.insecure_local_database:
        if not is_loopback(target.host):
            raise fail(
                f"{INSECURE_DATABASE_FLAG} is only for a database on this machine (127.0.0.1, ::1,"
                f" localhost); the database URL names {target.host}"
            )
        return target
    return target.with_params(channel_binding="require")


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
    connection = _proven(target, ctx)
    unreachable = pgurl.unreachable_reason(target.host, target.port, ctx.timeout)
    if unreachable:
        raise skip(f"database not reachable from this network: {unreachable}")
    try:
        conn = migrations.connect(connection, connect_timeout=ctx.timeout)
    except (OperationFailed, UsageError) as exc:
        detail = redact(str(exc), [url, target.password])
        if "channel binding" in detail and ctx.database_ca is None:
            detail += (
                f"; pass {DATABASE_CA_FLAG} <CA bundle> to check its certificate instead"
                f" (a database on this machine: {INSECURE_DATABASE_FLAG})"
            )
        raise fail(detail) from None
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
