"""The bootstrap itself: each step checks what exists, then creates or updates only what is not."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from scripts._cli import OperationFailed, redact
from scripts.bootstrap_db.migrations_check import migrations_step
from scripts.bootstrap_db.statements import (
    MIGRATIONS_SQL,
    alter_database_owner_sql,
    alter_role_sql,
    create_database_sql,
    create_role_sql,
    grant_database_sql,
    grant_role_to_admin_sql,
    grant_schema_sql,
    probe_table_sql,
    shown,
)
from scripts.bootstrap_db.steps import Connector, Status, Step, StepFailed
from scripts.migrations import MigrationReport
from scripts.pgurl import MASK, PgUrl, describe_error


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
