"""Create or update Dixie's database role and database, then prove the app can log in and write.

``python -m scripts.bootstrap_db --stack armitage`` with the admin URL in ``DIXIE_DB_ADMIN_URL``.
The app's identity (user, password, database) comes from DATABASE_URL: the SSM SecureString
``/dixie/<env>/DATABASE_URL`` that the Pulumi program writes, or ``--database-url``. RDS lives in
private subnets and no Pulumi provider should hold admin credentials for it, so this runs after
``pulumi up`` from wherever the server is reachable (see the README, "First deploy").

Steps, each reported as created / already present / updated (or not needed / verified):

1. admin login (``--admin-url`` / ``DIXIE_DB_ADMIN_URL``; database ``postgres`` when omitted);
2. role with LOGIN and the URL's password. An existing role whose password does not log in is
   given the URL's password, so SSM stays the source of truth. The password is sent as a SCRAM
   verifier computed here (libpq's ``PQencryptPasswordConn``), so the plaintext never reaches the
   server's statement log;
3. a non-superuser admin (RDS's master user) is made a member of the app role: ``CREATE DATABASE
   … OWNER`` requires the admin to be able to ``SET ROLE`` to the owner;
4. database owned by the app role; 5. ``GRANT ALL PRIVILEGES ON DATABASE``; 6. inside it,
   ``GRANT ALL ON SCHEMA public`` (PostgreSQL 15+ no longer lets everyone create there);
7. a fresh connection **as the app user** creates and drops a table;
8. with ``--check-migrations``, ``_migrations`` is compared with the 13 expected migrations.
   Without an admin URL, ``--check-migrations`` runs only this check (no admin needed).

The app-user connections go to the admin URL's host and port with its TLS settings (the endpoint
this machine reaches, e.g. an SSM port-forward), using DATABASE_URL's user, password and database.

No password leaves this machine unless the server has proved its identity: the URL that sets the
transport (the admin URL; DATABASE_URL when only ``--check-migrations`` runs) must ask for
``sslmode=verify-full`` or ``verify-ca`` with an ``sslrootcert`` CA bundle, or for
``channel_binding=require`` (SCRAM-SHA-256-PLUS: libpq then refuses any authentication that is not
bound to the TLS session, so a server that merely asks for the password gets nothing). Anything
else (``sslmode=require`` accepts any certificate; ``prefer`` falls back to plain TCP, where a
server may ask for the password in clear) is refused before connecting, unless
``--insecure-local-server`` is given for a server on this machine (a local test server, or a
port-forward whose far end you trust).

Every identifier is validated (a name PostgreSQL would need quoted, or would truncate at 63 bytes,
is refused) and composed with ``psycopg.sql``; nothing is string-formatted. No password (admin or
app) is printed, logged or put in an exception: psycopg's messages go through ``redact`` or are
replaced by a classified one-liner. Exit codes: 0 ok, 1 an operation or check failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import psycopg
from psycopg import sql

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
from scripts.migrations import MigrationReport, check_migrations
from scripts.pgurl import DEFAULT_ADMIN_DATABASE, MASK, PgUrl, connect, describe_error, parse_url

PROG = "python -m scripts.bootstrap_db"
ADMIN_URL_ENV = "DIXIE_DB_ADMIN_URL"
DEFAULT_CONNECT_TIMEOUT = 10.0
#: PostgreSQL truncates longer identifiers silently (NAMEDATALEN - 1).
MAX_IDENTIFIER_BYTES = 63
# Used with fullmatch: "$" would accept a trailing newline ("dixie%0A" in a URL).
_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
#: Reserved keywords (``pg_get_keywords()`` categories R and T of PostgreSQL 16): usable as names
#: only when quoted, which the app's own SQL would then have to do everywhere.
_RESERVED_TEXT = """
    all analyse analyze and any array as asc asymmetric authorization binary both case cast
    check collate collation column concurrently constraint create cross current_catalog
    current_date current_role current_schema current_time current_timestamp current_user default
    deferrable desc distinct do else end except false fetch for foreign freeze from full grant
    group having ilike in initially inner intersect into is isnull join lateral leading left like
    limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps
    placing primary references returning right select session_user similar some symmetric
    system_user table tablesample then to trailing true union unique user using variadic verbose
    when where window with"""
RESERVED_WORDS = frozenset(_RESERVED_TEXT.split())
#: Role names PostgreSQL keeps for itself.
RESERVED_ROLES = frozenset({"public", "none"})


class Status(StrEnum):
    CREATED = "created"
    PRESENT = "already present"
    UPDATED = "updated"
    NOT_NEEDED = "not needed"
    VERIFIED = "verified"
    PLANNED = "would run"
    FAILED = "failed"


@dataclass(frozen=True)
class Step:
    """One reported step; ``statements`` are the SQL it ran (or would run), password masked."""

    name: str
    status: Status
    detail: str
    statements: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.name,
            "status": self.status.value,
            "detail": self.detail,
            "statements": list(self.statements),
        }


class StepFailed(OperationFailed):
    """An operation failed inside a named step; the message is already redacted."""

    def __init__(self, step: str, message: str):
        super().__init__(message)
        self.step = step


# --- identifiers and statements -----------------------------------------------------------------


def validate_identifier(name: str, *, what: str, source: str) -> str:
    """``name`` if PostgreSQL takes it unquoted and untruncated; UsageError saying why not."""
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        raise UsageError(
            f"{source}: {what} name is {len(name.encode())} bytes; PostgreSQL would truncate it"
            f" to {MAX_IDENTIFIER_BYTES}, so it is refused"
        )
    if not _PLAIN_IDENTIFIER.fullmatch(name):
        raise UsageError(
            f"{source}: {what} name {name!r} would need quoting in SQL; allowed: a lower-case"
            " letter or _, then lower-case letters, digits and _ (up to 63 bytes)"
        )
    if name in RESERVED_WORDS:
        raise UsageError(f"{source}: {what} name {name!r} is a reserved SQL keyword")
    if what == "role" and (name in RESERVED_ROLES or name.startswith("pg_")):
        raise UsageError(f"{source}: role name {name!r} is reserved by PostgreSQL")
    return name


def _ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def create_role_sql(role: str, verifier: str) -> sql.Composed:
    return sql.SQL("CREATE ROLE {} WITH LOGIN PASSWORD {}").format(_ident(role), sql.Literal(verifier))


def alter_role_sql(role: str, verifier: str) -> sql.Composed:
    return sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(_ident(role), sql.Literal(verifier))


def grant_role_to_admin_sql(role: str) -> sql.Composed:
    return sql.SQL("GRANT {} TO CURRENT_USER").format(_ident(role))


def create_database_sql(database: str, owner: str) -> sql.Composed:
    return sql.SQL("CREATE DATABASE {} OWNER {}").format(_ident(database), _ident(owner))


def alter_database_owner_sql(database: str, owner: str) -> sql.Composed:
    return sql.SQL("ALTER DATABASE {} OWNER TO {}").format(_ident(database), _ident(owner))


def grant_database_sql(database: str, role: str) -> sql.Composed:
    return sql.SQL("GRANT ALL PRIVILEGES ON DATABASE {} TO {}").format(_ident(database), _ident(role))


def grant_schema_sql(role: str) -> sql.Composed:
    return sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(_ident(role))


def probe_table_sql(table: str) -> tuple[sql.Composed, sql.Composed]:
    name = sql.Identifier("public", table)
    return (
        sql.SQL("CREATE TABLE {} (id integer PRIMARY KEY)").format(name),
        sql.SQL("DROP TABLE {}").format(name),
    )


MIGRATIONS_SQL = "SELECT filename FROM _migrations ORDER BY id"


def shown(statement: sql.Composable) -> str:
    return statement.as_string(None)


# --- the steps ------------------------------------------------------------------------------------

Connector = Callable[[PgUrl], "psycopg.Connection[Any]"]


@dataclass
class Bootstrap:
    """The bootstrap of one app identity on one server.

    ``admin`` is an open autocommit connection as the administrator; ``app`` is DATABASE_URL's
    identity (user, password, database); ``open_connection`` opens further connections (to the
    new database as admin, and as the app user) and raises OperationFailed with a safe message.
    """

    admin: psycopg.Connection[Any]
    admin_url: PgUrl
    app: PgUrl
    open_connection: Connector
    steps: list[Step] = field(default_factory=list)
    migrations: MigrationReport | None = None

    @property
    def role(self) -> str:
        return self.app.user

    @property
    def database(self) -> str:
        return self.app.dbname

    @property
    def secrets(self) -> list[str]:
        return [self.app.password, self.admin_url.password]

    def app_endpoint(self, dbname: str | None = None) -> PgUrl:
        url = self.admin_url.with_identity(self.app)
        return url if dbname is None else url.with_database(dbname)

    @contextmanager
    def step(self, name: str, what: str) -> Iterator[None]:
        """Turn a psycopg error inside a step into StepFailed with a redacted one-liner."""
        try:
            yield
        except psycopg.Error as exc:
            raise StepFailed(name, f"{what}: {describe_error(exc, self.secrets)}") from None
        except OperationFailed as exc:
            if isinstance(exc, StepFailed):
                raise
            raise StepFailed(name, redact(f"{what}: {exc}", self.secrets)) from None

    def _one(self, query: str | sql.Composed, params: tuple[Any, ...] = ()) -> Any:
        row = self.admin.execute(query, params).fetchone()
        return row[0] if row else None

    def _run(self, statement: sql.Composed, *, masked: sql.Composed | None = None) -> str:
        self.admin.execute(statement)
        return shown(masked if masked is not None else statement)

    def run(self, *, check: bool) -> list[Step]:
        self.steps.append(self.admin_login())
        self.steps.append(self.ensure_role())
        self.steps.append(self.ensure_admin_membership())
        self.steps.append(self.ensure_database())
        self.steps.append(self.ensure_database_privileges())
        self.steps.append(self.ensure_schema_privileges())
        proof = prove_app_can_write(self.open_connection, self.app_endpoint())
        if self.app.endpoint != self.admin_url.endpoint:
            note = f" (DATABASE_URL names {self.app.endpoint}; reached through the admin endpoint)"
            proof = Step(proof.name, proof.status, proof.detail + note, proof.statements)
        self.steps.append(proof)
        if check:
            step, self.migrations = migrations_step(self.open_connection, self.app_endpoint())
            self.steps.append(step)
        return self.steps

    def admin_login(self) -> Step:
        with self.step("admin login", "reading the admin's attributes"):
            row = self.admin.execute(
                "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb"
                " FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
        user, superuser, createrole, createdb = row if row else ("?", False, False, False)
        version = self.admin.info.server_version
        kind = "superuser" if superuser else _attributes(createrole=createrole, createdb=createdb)
        detail = f"as {user} ({kind}) at {self.admin_url.endpoint}, PostgreSQL {_pg_version(version)}"
        return Step("admin login", Status.VERIFIED, detail)

    def ensure_role(self) -> Step:
        name = "role"
        with self.step(name, f"ensuring role {self.role}"):
            exists = self._one("SELECT true FROM pg_roles WHERE rolname = %s", (self.role,))
            if exists and _can_login(self.open_connection, self.app_endpoint(self.admin_url.dbname)):
                return Step(name, Status.PRESENT, f"{self.role} logs in with DATABASE_URL's password")
            verifier = self.admin.pgconn.encrypt_password(
                self.app.password.encode(), self.role.encode(), b"scram-sha-256"
            ).decode()
            build = alter_role_sql if exists else create_role_sql
            ran = self._run(build(self.role, verifier), masked=build(self.role, MASK))
        if exists:
            detail = f"{self.role}: LOGIN, password set to DATABASE_URL's"
            return Step(name, Status.UPDATED, detail, (ran,))
        return Step(name, Status.CREATED, f"{self.role} with LOGIN", (ran,))

    def ensure_admin_membership(self) -> Step:
        name = "admin membership"
        with self.step(name, f"making the admin a member of {self.role}"):
            if self._one("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
                return Step(name, Status.NOT_NEEDED, "the admin is a superuser")
            # PostgreSQL 16 gives a role's creator ADMIN OPTION but not SET, and CREATE DATABASE
            # ... OWNER needs SET; before 16, plain membership was enough.
            needed = "SET" if self.admin.info.server_version >= 160000 else "MEMBER"
            if self._one("SELECT pg_has_role(current_user, %s, %s)", (self.role, needed)):
                return Step(name, Status.PRESENT, f"the admin can SET ROLE {self.role}")
            ran = self._run(grant_role_to_admin_sql(self.role))
        return Step(name, Status.CREATED, f"the admin is a member of {self.role}", (ran,))

    def ensure_database(self) -> Step:
        name = "database"
        with self.step(name, f"ensuring database {self.database}"):
            owner = self._one(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                (self.database,),
            )
            if owner == self.role:
                return Step(name, Status.PRESENT, f"{self.database} owned by {self.role}")
            if owner is None:
                ran = self._run(create_database_sql(self.database, self.role))
                return Step(name, Status.CREATED, f"{self.database} owned by {self.role}", (ran,))
            ran = self._run(alter_database_owner_sql(self.database, self.role))
        detail = f"{self.database}: owner changed from {owner} to {self.role}"
        return Step(name, Status.UPDATED, detail, (ran,))

    def ensure_database_privileges(self) -> Step:
        name = "database privileges"
        with self.step(name, f"granting privileges on database {self.database}"):
            granted = self._one(
                "SELECT count(DISTINCT a.privilege_type) FROM pg_database d,"
                " aclexplode(d.datacl) a WHERE d.datname = %s"
                " AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = %s)"
                " AND a.privilege_type IN ('CONNECT', 'CREATE', 'TEMPORARY')",
                (self.database, self.role),
            )
            detail = f"ALL (CONNECT, CREATE, TEMPORARY) on {self.database} to {self.role}"
            if granted == 3:
                return Step(name, Status.PRESENT, detail)
            ran = self._run(grant_database_sql(self.database, self.role))
        return Step(name, Status.CREATED, detail, (ran,))

    def ensure_schema_privileges(self) -> Step:
        name = "schema privileges"
        detail = f"ALL (USAGE, CREATE) on schema public in {self.database} to {self.role}"
        what = f"granting privileges on schema public in {self.database}"
        target = self.admin_url.with_database(self.database)
        with self.step(name, what), self.open_connection(target) as conn:
            row = conn.execute(
                "SELECT count(DISTINCT a.privilege_type) FROM pg_namespace n,"
                " aclexplode(n.nspacl) a WHERE n.nspname = 'public'"
                " AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = %s)"
                " AND a.privilege_type IN ('USAGE', 'CREATE')",
                (self.role,),
            ).fetchone()
            if row and row[0] == 2:
                return Step(name, Status.PRESENT, detail)
            statement = grant_schema_sql(self.role)
            conn.execute(statement)
        return Step(name, Status.CREATED, detail, (shown(statement),))


def _attributes(*, createrole: bool, createdb: bool) -> str:
    held = [a for a, has in (("CREATEROLE", createrole), ("CREATEDB", createdb)) if has]
    return "not a superuser; " + (", ".join(held) if held else "neither CREATEROLE nor CREATEDB")


def _pg_version(number: int) -> str:
    return f"{number // 10000}.{number % 10000}"


def _can_login(open_connection: Connector, url: PgUrl) -> bool:
    try:
        with open_connection(url):
            return True
    except OperationFailed:
        return False


def prove_app_can_write(open_connection: Connector, app: PgUrl) -> Step:
    """Log in as the app (a fresh connection) and create and drop a table in schema public."""
    name = "app login"
    table = f"_dixie_bootstrap_probe_{secrets.token_hex(4)}"
    create, drop = probe_table_sql(table)
    try:
        with open_connection(app) as conn:
            row = conn.execute("SELECT current_user, current_database()").fetchone()
            # one transaction: a failed DROP must not leave the probe table behind
            with conn.transaction():
                conn.execute(create)
                conn.execute(drop)
    except psycopg.Error as exc:
        message = f"app user {app.user} cannot create a table in {app.dbname}: "
        raise StepFailed(name, message + describe_error(exc, [app.password])) from None
    except OperationFailed as exc:
        raise StepFailed(name, f"logging in as the app: {exc}") from None
    user, dbname = row if row else (app.user, app.dbname)
    detail = f"as {user} in {dbname} at {app.endpoint}: created and dropped a table"
    return Step(name, Status.VERIFIED, detail, (shown(create), shown(drop)))


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


def planned_steps(app: PgUrl, *, check: bool) -> list[Step]:
    """What a run would do, without connecting: every statement with the condition it runs on."""
    role, db = app.user, app.dbname
    create, drop = probe_table_sql("_dixie_bootstrap_probe_<random>")
    steps = [
        Step("admin login", Status.PLANNED, "connect as the admin; read its attributes"),
        Step(
            "role",
            Status.PLANNED,
            f"CREATE if {role} is absent; ALTER if its password does not log in",
            (shown(create_role_sql(role, MASK)), shown(alter_role_sql(role, MASK))),
        ),
        Step(
            "admin membership",
            Status.PLANNED,
            f"only if the admin is not a superuser and cannot SET ROLE {role}",
            (shown(grant_role_to_admin_sql(role)),),
        ),
        Step(
            "database",
            Status.PLANNED,
            f"CREATE if {db} is absent; ALTER if another role owns it",
            (shown(create_database_sql(db, role)), shown(alter_database_owner_sql(db, role))),
        ),
        Step(
            "database privileges",
            Status.PLANNED,
            "unless already granted",
            (shown(grant_database_sql(db, role)),),
        ),
        Step(
            "schema privileges",
            Status.PLANNED,
            f"inside {db}, unless already granted",
            (shown(grant_schema_sql(role)),),
        ),
        Step("app login", Status.PLANNED, f"as {role} in {db}", (shown(create), shown(drop))),
    ]
    if check:
        steps.append(Step("migrations", Status.PLANNED, f"as {role} in {db}", (MIGRATIONS_SQL,)))
    return steps


# --- inputs ---------------------------------------------------------------------------------------


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


INSECURE_FLAG = "--insecure-local-server"
_LOOPBACK_NAMES = frozenset({"localhost"})


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_proven_server(url: PgUrl, source: str, *, insecure_local: bool) -> None:
    """Refuse (exit 2) a transport on which a password could reach a server that has not proved
    who it is; ``insecure_local`` allows one on this machine only.

    libpq sends the password to whoever asks for it in clear (AuthenticationCleartextPassword)
    unless the transport forbids it; sslmode=require encrypts but verifies no certificate.
    (libpq docs, "Protection Provided in Different Modes" and the channel_binding parameter.)
    """
    params = dict(url.params)
    verified = params.get("sslmode") in ("verify-full", "verify-ca") and bool(params.get("sslrootcert"))
    bound = params.get("channel_binding") == "require"
    if verified or bound:
        return
    if insecure_local:
        if not _is_loopback(url.host):
            raise UsageError(
                f"{INSECURE_FLAG} is only for a server on this machine (127.0.0.1, ::1, localhost);"
                f" {source} names {url.host}"
            )
        return
    raise UsageError(
        f"{source}: refusing to send a password to {url.endpoint} before it proves its identity;"
        " add sslmode=verify-full (verify-ca through a port-forward) with sslrootcert=<CA bundle>,"
        f" or channel_binding=require; for a server on this machine only: {INSECURE_FLAG}"
    )


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


# --- output ---------------------------------------------------------------------------------------


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


if __name__ == "__main__":
    raise SystemExit(main())
