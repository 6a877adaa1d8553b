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

Modules: :mod:`~scripts.bootstrap_db.steps` (what a run reports),
:mod:`~scripts.bootstrap_db.statements` (identifier checks and the ``psycopg.sql`` statements),
:mod:`~scripts.bootstrap_db.transport` (the rule above on unproven servers),
:mod:`~scripts.bootstrap_db.bootstrap` (the steps), :mod:`~scripts.bootstrap_db.migrations_check`
(``--check-migrations``) and :mod:`~scripts.bootstrap_db.cli` (arguments, inputs, report, ``main``).
"""

from scripts.bootstrap_db.cli import ADMIN_URL_ENV, main
from scripts.bootstrap_db.transport import INSECURE_FLAG

__all__ = ["ADMIN_URL_ENV", "INSECURE_FLAG", "main"]
