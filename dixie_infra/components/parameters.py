"""Service parameters: the eight SSM parameters under ``/dixie/<env>/`` with their real values.

Creates: FINN_URL, FINN_WS_URL, DATABASE_URL, REDIS_URL, DIXIE_JWT_PRIVATE_KEY, DIXIE_ADMIN_KEY
(SecureString) and NATS_URL, DIXIE_CORS_ORIGINS (String); generated secrets (pulumi-random) for
the JWT key, the admin key and the database password unless existing values are adopted from
config. Secret values stay Pulumi secrets end to end.

Also derives ``revision``: a short hash of the eight parameters' ``version``s. The task definition
carries it as ``DIXIE_CONFIG_REVISION``, so a changed value yields a new task-definition revision
and therefore a rollout (ECS reads secrets only when a task starts).

Requires: the Finn, NATS and CORS settings, the database host, the Redis endpoint and AUTH token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from dixie_infra import names
from dixie_infra.components import TYPE_PREFIX, child
from dixie_infra.names import ParameterType

# Characters a generated database password may contain besides alphanumerics; several need
# URL-encoding in DATABASE_URL, which the URL builder does.
PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?"  # noqa: S105 - a character set, not a password


@dataclass(frozen=True)
class ServiceParametersArgs:
    environment: names.Environment
    finn_url: str
    finn_ws_url: str
    nats_url: str
    cors_origins: tuple[str, ...]
    database_host: pulumi.Input[str]
    database_port: int
    database_name: str
    database_user: str
    redis_endpoint: pulumi.Input[str]
    redis_auth_token: pulumi.Input[str] | None
    jwt_private_key: str | None = None
    admin_key: str | None = None
    database_password: str | None = None


def database_url(user: str, password: str, host: str, port: int, database: str) -> str:
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{quote(database, safe='')}"


def redis_url(endpoint: str, token: str | None) -> str:
    auth = f":{quote(token, safe='')}@" if token else ""
    return f"rediss://{auth}{endpoint}:{names.REDIS_PORT}"


def config_revision(versions: dict[str, int | float]) -> str:
    material = ",".join(f"{key}={int(versions[key])}" for key in sorted(versions))
    return hashlib.sha256(material.encode()).hexdigest()[:12]


class ServiceParameters(pulumi.ComponentResource):
    parameters: dict[str, aws.ssm.Parameter]
    arns: dict[str, pulumi.Output[str]]
    revision: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceParametersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:ServiceParameters", name, None, opts)
        jwt = self._hex_secret(f"{name}-jwt-key", args.jwt_private_key)
        admin = self._hex_secret(f"{name}-admin-key", args.admin_key)
        if args.database_password is not None:
            password: pulumi.Output[str] = pulumi.Output.secret(args.database_password)
        else:
            generated = random.RandomPassword(
                f"{name}-database-password",
                length=32,
                special=True,
                override_special=PASSWORD_SPECIALS,
                min_lower=1,
                min_upper=1,
                min_numeric=1,
                # Protected: a new password no longer matches the database role, and the app is
                # locked out until bootstrap_db runs again.
                opts=child(self, protect=True),
            )
            password = pulumi.Output.secret(generated.result)

        db_url: pulumi.Output[str] = pulumi.Output.all(args.database_host, password).apply(
            lambda v: database_url(args.database_user, v[1], v[0], args.database_port, args.database_name)
        )
        token = args.redis_auth_token
        r_url: pulumi.Output[str] = pulumi.Output.all(args.redis_endpoint, token).apply(
            lambda v: redis_url(v[0], v[1])
        )
        values: dict[str, pulumi.Input[str]] = {
            "FINN_URL": args.finn_url,
            "FINN_WS_URL": args.finn_ws_url,
            "DATABASE_URL": db_url,
            "REDIS_URL": r_url,
            "DIXIE_JWT_PRIVATE_KEY": jwt,
            "DIXIE_ADMIN_KEY": admin,
            "NATS_URL": args.nats_url,
            "DIXIE_CORS_ORIGINS": ",".join(args.cors_origins),
        }
        self.parameters = {}
        for key, kind in names.SERVICE_PARAMETERS.items():
            value = values[key]
            self.parameters[key] = aws.ssm.Parameter(
                f"{name}-{key.lower().replace('_', '-')}",
                name=names.parameter_name(args.environment, key),
                type=kind.value,
                value=pulumi.Output.secret(value) if kind is ParameterType.SECURE_STRING else value,
                description=f"Dixie {key} ({args.environment.value})",
                opts=child(self),
            )
        self.arns = {key: p.arn for key, p in self.parameters.items()}
        self.revision = pulumi.Output.all(**{k: p.version for k, p in self.parameters.items()}).apply(
            config_revision
        )
        self.register_outputs({"revision": self.revision})

    def _hex_secret(self, name: str, existing: str | None) -> pulumi.Output[str]:
        if existing is not None:
            return pulumi.Output.secret(existing)
        # 32 random bytes as 64 hex characters, the format `openssl rand -hex 32` gave.
        # Protected: a new JWT key invalidates every issued token, a new admin key every
        # operator's credential.
        return pulumi.Output.secret(random.RandomBytes(name, length=32, opts=child(self, protect=True)).hex)
