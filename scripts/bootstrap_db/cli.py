"""The tool: arguments, inputs checked before any connection, one run, and its report."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from dixie_infra.names import parameter_name
from scripts._aws import session_for
from scripts._cli import (
    EXIT_FAILED,
    EXIT_OK,
    OperationFailed,
    UsageError,
    new_parser,
    print_json,
    print_table,
    progress,
    redact,
    region_for,
    run_tool,
    stack_settings,
)
from scripts.bootstrap_db.bootstrap import Bootstrap, planned_steps
from scripts.bootstrap_db.migrations_check import MigrationsMissing, migrations_step
from scripts.bootstrap_db.statements import validate_identifier
from scripts.bootstrap_db.steps import Status, Step, StepFailed
from scripts.bootstrap_db.transport import INSECURE_FLAG, require_proven_server
from scripts.migrations import MigrationReport
from scripts.pgurl import DEFAULT_ADMIN_DATABASE, PgUrl, connect, parse_url

PROG = "python -m scripts.bootstrap_db"
ADMIN_URL_ENV = "DIXIE_DB_ADMIN_URL"
DEFAULT_CONNECT_TIMEOUT = 10.0


def read_database_url(ssm: Any, name: str) -> str:
    """The decrypted DATABASE_URL parameter; OperationFailed when it does not exist."""
    try:
        with _quiet("botocore.parsers"):
            response = ssm.get_parameter(Name=name, WithDecryption=True)
    except ssm.exceptions.ParameterNotFound:
        raise OperationFailed(
            f"SSM parameter {name} does not exist: run `pulumi up` for this stack first,"
            " or pass --database-url"
        ) from None
    return str(response["Parameter"]["Value"])


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Silence a logger's DEBUG output for a moment: botocore's parser logs every response body,
    here the decrypted DATABASE_URL, whenever anyone turns DEBUG logging on."""
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.setLevel(max(logging.INFO, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        logger.setLevel(previous)


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < seconds <= 600:
        raise argparse.ArgumentTypeError(f"{value} is out of range; allowed: >0 to 600 seconds")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        PROG,
        "Create or update Dixie's PostgreSQL role and database from DATABASE_URL, then prove "
        "the app user can log in and create a table. Safe to run any number of times.",
        epilog=f"""\
examples:
  # the admin URL stays out of shell history and the process list
  read -rs {ADMIN_URL_ENV} && export {ADMIN_URL_ENV}
  {PROG} --stack armitage
  {PROG} --stack armitage --dry-run
  # after the service has started (app user only; no admin URL needed)
  {PROG} --stack armitage --check-migrations

exit codes: 0 all good; 1 an operation or check failed (unreachable, authentication
failed, permission denied, migrations missing); 2 bad usage or input (malformed URL,
missing password, wrong scheme, missing admin URL, a name that would need quoting).""",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="the app's postgresql://user:password@host:port/db[?sslmode=...] (default: the "
        "SecureString /dixie/<env>/DATABASE_URL in SSM, read with decryption)",
    )
    parser.add_argument(
        "--admin-url",
        metavar="URL",
        help=f"admin connection URL (default: ${ADMIN_URL_ENV}); the database may be omitted "
        f"({DEFAULT_ADMIN_DATABASE}); '-' reads it from stdin. Prefer the environment variable: "
        "a flag lands in shell history and the process list",
    )
    parser.add_argument(
        "--connect-timeout",
        type=_timeout,
        default=DEFAULT_CONNECT_TIMEOUT,
        metavar="SECONDS",
        help="give up on a connection after this long (libpq counts whole seconds, at least 2; "
        "default: %(default)s)",
    )
    parser.add_argument(
        "--check-migrations",
        action="store_true",
        help="also check, as the app user, that _migrations holds the 13 expected migrations "
        "(missing ones fail; extra ones are reported). Without an admin URL, only this check runs",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the statements a run would execute (password masked) and connect to nothing",
    )
    parser.add_argument(
        INSECURE_FLAG,
        action="store_true",
        help="connect without the server proving its identity (no verify-full/verify-ca CA "
        "bundle, no channel_binding=require). Only for a server on 127.0.0.1, ::1 or localhost: "
        "a local test server, or a port-forward whose far end you trust (default: refuse)",
    )
    return parser


@dataclass
class Inputs:
    app: PgUrl
    app_source: str
    admin: PgUrl | None


def gather_inputs(args: argparse.Namespace, known: list[str]) -> Inputs:
    """Parse and validate every input before any connection; ``known`` collects the secrets."""
    raw_admin, admin_source = _admin_url_text(args)
    if raw_admin:
        known.append(raw_admin)
    if args.database_url:
        raw_app, app_source = args.database_url, "--database-url"
    else:
        settings = stack_settings(args.stack)
        name = parameter_name(settings.environment, "DATABASE_URL")
        ssm = session_for(region_for(args, settings)).client("ssm")
        raw_app, app_source = read_database_url(ssm, name), f"SSM {name}"
    known.append(raw_app)
    app = parse_url(raw_app, label=app_source)
    known.append(app.password)
    validate_identifier(app.user, what="role", source=app_source)
    validate_identifier(app.dbname, what="database", source=app_source)
    admin = None
    if raw_admin:
        admin = parse_url(raw_admin, label=admin_source, default_database=DEFAULT_ADMIN_DATABASE)
        known.append(admin.password)
        if admin.user == app.user:
            raise UsageError(f"{admin_source} logs in as the app role {app.user!r}; use an administrator")
    elif not (args.check_migrations or args.dry_run):
        raise UsageError(
            f"no admin URL: set {ADMIN_URL_ENV} (preferred) or pass --admin-url"
            " (e.g. postgresql://postgres@127.0.0.1:5432 with the password percent-encoded)"
        )
    if not args.dry_run:
        # Every connection uses the admin URL's transport when there is one (app_endpoint).
        transport, source = (admin, admin_source) if admin is not None else (app, app_source)
        require_proven_server(transport, source, insecure_local=args.insecure_local_server)
    return Inputs(app=app, app_source=app_source, admin=admin)


def _admin_url_text(args: argparse.Namespace) -> tuple[str | None, str]:
    if args.admin_url == "-":
        return sys.stdin.readline().strip() or None, "admin URL from stdin"
    if args.admin_url:
        return args.admin_url, "--admin-url"
    return os.environ.get(ADMIN_URL_ENV) or None, ADMIN_URL_ENV


def render(
    steps: list[Step],
    *,
    inputs: Inputs,
    as_json: bool,
    dry_run: bool,
    error: str | None,
    elapsed: float,
    migrations: MigrationReport | None,
) -> None:
    result = "failed" if error else ("planned" if dry_run else "ok")
    if as_json:
        document: dict[str, Any] = {
            "tool": "bootstrap_db",
            "role": inputs.app.user,
            "database": inputs.app.dbname,
            "databaseUrlSource": inputs.app_source,
            "dryRun": dry_run,
            "steps": [s.as_dict() for s in steps],
            "result": result,
            "error": error,
            "elapsedSeconds": round(elapsed, 3),
        }
        if migrations is not None:
            document["migrations"] = {
                "applied": list(migrations.applied),
                "missing": list(migrations.missing),
                "extra": list(migrations.extra),
                "tableMissing": migrations.table_missing,
            }
        print_json(document)
        return
    rows = []
    for s in steps:
        detail = "\n".join([s.detail, *s.statements]) if dry_run else s.detail
        rows.append((s.name, s.status.value, detail))
    title = f"bootstrap_db: role {inputs.app.user}, database {inputs.app.dbname}"
    caption = f"result: {result} in {elapsed:.2f} s (DATABASE_URL from {inputs.app_source})"
    print_table(title, ("step", "status", "detail"), rows, caption=caption)


def execute(args: argparse.Namespace, known: list[str]) -> int:
    started = time.perf_counter()
    inputs = gather_inputs(args, known)
    if args.dry_run:
        plan = planned_steps(inputs.app, check=args.check_migrations)
        if inputs.admin is None and args.check_migrations:
            plan = plan[-1:]
        render(plan, inputs=inputs, as_json=args.json, dry_run=True, error=None,
               elapsed=time.perf_counter() - started, migrations=None)  # fmt: skip
        return EXIT_OK

    def open_connection(url: PgUrl) -> psycopg.Connection[Any]:
        return connect(url, connect_timeout=args.connect_timeout)

    steps: list[Step] = []
    error: str | None = None
    migrations: MigrationReport | None = None
    try:
        if inputs.admin is None:
            step, migrations = migrations_step(open_connection, inputs.app)
            steps.append(step)
        else:
            try:
                admin = open_connection(inputs.admin)
            except OperationFailed as exc:
                raise StepFailed("admin login", f"admin login: {exc}") from None
            with admin:
                job = Bootstrap(admin, inputs.admin, inputs.app, open_connection, steps)
                job.run(check=args.check_migrations)
                migrations = job.migrations
    except StepFailed as exc:
        error = redact(str(exc), known)
        steps.append(Step(exc.step, Status.FAILED, error))
        if isinstance(exc, MigrationsMissing):
            migrations = exc.report
    render(steps, inputs=inputs, as_json=args.json, dry_run=False, error=error,
           elapsed=time.perf_counter() - started, migrations=migrations)  # fmt: skip
    if error:
        progress(f"{PROG}: error: {error}")
        return EXIT_FAILED
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    known: list[str] = []
    return run_tool(PROG, lambda: execute(args, known), lambda: known)
