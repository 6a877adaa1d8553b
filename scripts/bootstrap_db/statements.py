"""Identifiers checked before use, and every statement composed with ``psycopg.sql``."""

from __future__ import annotations

import re

from psycopg import sql

from scripts._cli import UsageError

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
