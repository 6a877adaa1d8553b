"""The stack configuration, declared: one strict model per object, one field per key.

Each field carries the key as the operator writes it (its alias), its default, what is allowed
(its description, which is also what errors say) and its format. Models are strict (no coercion:
``true`` is not the text ``"true"``, ``1.0`` is not ``1``) and forbid keys they do not declare,
so a typo, a key in an unknown namespace or an ``aws:`` key the provider would ignore is refused.
Adding a key is adding one field here (and, if the program reads it, the attribute of the same
name on :class:`Settings`, filled by name).

The value formats are in :mod:`.formats`; how the CLI's text becomes values, how pydantic's errors
become the operator's, and the validation itself are in :mod:`.cli_values`, :mod:`.errors` and
:mod:`.validation`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dixie_infra import names
from dixie_infra.names import Environment
from dixie_infra.redaction import shorten
from dixie_infra.settings.formats import (
    IMAGE_TAG_ALLOWED,
    AccountId,
    AlbArn,
    ClusterName,
    DbHost,
    DnsName,
    EcsName,
    Email,
    Hex64,
    HttpsOrigin,
    ImageTag,
    ListenerArn,
    NatsUrl,
    Password,
    PgIdent,
    Port,
    ProviderName,
    RdsId,
    Region,
    SgId,
    SsmPrefix,
    SubnetId,
    VpcId,
    WssOrigin,
    ZoneId,
    db_host,
    distinct,
    fail,
    one_of,
)
from dixie_infra.settings.problems import echo
from dixie_infra.settings.types import ENVIRONMENT_DEFAULTS, FARGATE_SIZES, AppSource, EnvironmentDefaults

#: Namespaces a stack may configure, and why each is read.
NAMESPACES = {
    "dixie": "the program's own keys",
    "aws": "the explicit AWS provider (only aws:region and aws:allowedAccountIds are read)",
    "pulumi": "the engine (only pulumi:disable-default-providers)",
}


# --- the models --------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        populate_by_name=False,
        hide_input_in_errors=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _has_a_value(cls, value: Any) -> Any:
        # `key:` with nothing after it is YAML null. Accepting it would turn an unfinished edit
        # into a default (or, before, into the text "null").
        if value is None:
            raise PydanticCustomError("dixie_empty", "is empty")
        return value


class AlbConfig(_Strict):
    arn: AlbArn = Field(alias="arn", description="an application load balancer ARN")
    listener_arn: ListenerArn = Field(alias="listenerArn", description="a listener ARN of that load balancer")
    security_group_id: SgId = Field(alias="securityGroupId", description="a security group id (sg-...)")
    dns_name: DnsName = Field(alias="dnsName", description="the load balancer's DNS name")
    zone_id: ZoneId = Field(alias="zoneId", description="the load balancer's hosted zone id (Z...)")

    @model_validator(mode="after")
    def _listener_of_this_load_balancer(self) -> AlbConfig:
        lb_part = self.arn.split(":loadbalancer/", 1)[1]
        if not self.listener_arn.split(":listener/", 1)[1].startswith(lb_part + "/"):
            raise fail("must be a listener of the load balancer in dixie:alb.arn", key="listenerArn")
        return self


class TaskConfig(_Strict):
    # Both or neither: half a Fargate size pair is not a size.
    cpu: Annotated[
        int, one_of(FARGATE_SIZES, ", ".join(map(str, FARGATE_SIZES)), what="a Fargate cpu size")
    ] = Field(alias="cpu", description=f"a Fargate cpu size: {', '.join(map(str, FARGATE_SIZES))}")
    memory: int = Field(alias="memory", description="MiB, valid with the cpu (ECS task-size table)")

    @model_validator(mode="after")
    def _fargate_pair(self) -> TaskConfig:
        mems = FARGATE_SIZES[self.cpu]
        if self.memory not in mems:
            step = mems[1] - mems[0] if len(mems) > 1 else 0
            listed = ", ".join(map(str, mems)) if len(mems) <= 4 else "..."
            raise fail(
                f"{echo(self.memory)} MiB is not valid with cpu {self.cpu}; allowed: "
                f"{mems[0]}-{mems[-1]} in steps of {step} ({listed})",
                key="memory",
            )
        return self


class FinnConfig(_Strict):
    url: HttpsOrigin = Field(alias="url", description="https://host of loa-finn")
    ws_url: WssOrigin = Field(alias="wsUrl", description="wss://host of loa-finn")
    #: None: ``loa-finn-<environment>``.
    service_name: EcsName | None = Field(None, alias="serviceName", description="loa-finn's ECS service name")
    #: None: ``/loa-finn/<environment>``.
    ssm_prefix: SsmPrefix | None = Field(None, alias="ssmPrefix", description="loa-finn's SSM path prefix")


class NatsConfig(_Strict):
    url: NatsUrl = Field(alias="url", description="nats://host or tls://host:port")
    security_group_id: SgId = Field(
        alias="securityGroupId", description="the NATS service's security group id"
    )
    service_name: EcsName = Field(alias="serviceName", description="the NATS ECS service name")


class DatabaseConfig(_Strict):
    """Exactly one of ``instanceIdentifier`` (an RDS instance, looked up) and ``host``."""

    instance_identifier: RdsId | None = Field(
        None, alias="instanceIdentifier", description="an RDS instance identifier"
    )
    host: Annotated[DbHost, AfterValidator(db_host)] | None = Field(
        None, alias="host", description="a host name or IP address (e.g. PgBouncer)"
    )
    port: Port = Field(names.POSTGRES_PORT, alias="port", description="1-65535")
    name: PgIdent = Field("dixie", alias="name", description="a plain PostgreSQL identifier")
    user: PgIdent = Field("dixie", alias="user", description="a plain PostgreSQL identifier")
    security_group_id: SgId | None = Field(
        None, alias="securityGroupId", description="a security group id (sg-...)"
    )

    @model_validator(mode="after")
    def _one_source(self) -> DatabaseConfig:
        if (self.instance_identifier is None) == (self.host is None):
            raise fail(
                "set exactly one of instanceIdentifier (an RDS instance, looked up) or host (e.g. PgBouncer)"
            )
        return self


def _env_defaults(data: dict[str, Any]) -> EnvironmentDefaults:
    """Defaults of the validated environment (armitage's while it is invalid: reported anyway)."""
    return ENVIRONMENT_DEFAULTS[Environment(data.get("environment", Environment.ARMITAGE))]


def _default_cors(data: dict[str, Any]) -> list[str]:
    return [f"https://{names.hostname(data.get('environment', Environment.ARMITAGE))}"]


def _environment(value: str, info: ValidationInfo) -> str:
    allowed = ", ".join(e.value for e in Environment)
    if value not in {e.value for e in Environment}:
        raise fail(f"{echo(value)} is not allowed; allowed: {allowed}")
    stack = (info.context or {}).get("stack")
    if stack is not None and value != stack:
        raise fail(f"{echo(value)} differs from the stack name {stack!r}; they must be equal")
    return value


def _app_source(value: str, info: ValidationInfo) -> str:
    allowed = "the path of a loa-dixie checkout"
    if not value.strip():
        raise fail(f"is empty; allowed: {allowed}")
    if len(value) > 4096 or not value.isprintable() or value != value.strip():
        raise fail(f"{echo(value)} is not a plain path; allowed: {allowed}")
    context = info.context or {}
    inspect: Callable[[Path], str] | None = context.get("inspect_app_source")
    path = Path(value).expanduser()
    try:
        sha = inspect(path) if inspect is not None else ""
    except ValueError as exc:
        raise fail(shorten(str(exc), 300)) from None
    context.setdefault("app_sources", {})[value] = AppSource(path=path.resolve(), git_sha=sha)
    return value


class StackConfig(_Strict):
    """Every key of a stack's configuration, by the name it has in ``Pulumi.<stack>.yaml``."""

    environment: Annotated[str, AfterValidator(_environment)] = Field(
        alias="dixie:environment", description="armitage or production, equal to the stack name"
    )
    cluster: ClusterName = Field(
        default_factory=lambda data: _env_defaults(data).cluster,
        alias="dixie:cluster",
        description="an ECS cluster name (default: the environment's)",
    )
    vpc_id: VpcId = Field(alias="dixie:vpcId", description="a VPC id (vpc-<8 or 17 hex>)")
    private_subnet_ids: Annotated[list[SubnetId], distinct(2, 16, "subnets (in different AZs)")] = Field(
        alias="dixie:privateSubnetIds", description="a list of at least 2 subnet ids (subnet-...)"
    )
    alb: AlbConfig = Field(
        alias="dixie:alb", description="an object: arn, listenerArn, securityGroupId, dnsName, zoneId"
    )
    route53_zone_id: ZoneId = Field(
        alias="dixie:route53ZoneId", description="a Route53 hosted zone id (Z...)"
    )
    # Exactly one of imageTag and appSource: checked in validate_config, over both keys' presence.
    image_tag: ImageTag | None = Field(None, alias="dixie:imageTag", description=IMAGE_TAG_ALLOWED)
    app_source: Annotated[str, AfterValidator(_app_source)] | None = Field(
        None, alias="dixie:appSource", description="the path of a clean loa-dixie checkout"
    )
    task: TaskConfig = Field(
        default_factory=lambda data: TaskConfig.model_construct(
            cpu=_env_defaults(data).task.cpu, memory=_env_defaults(data).task.memory
        ),
        alias="dixie:task",
        description="an object: cpu and memory, a Fargate size pair (default: the environment's)",
    )
    desired_count: Annotated[
        int, one_of((0, 1), "1 (running) or 0 (parked); Dixie is a single writer, never more than one task")
    ] = Field(1, alias="dixie:desiredCount", description="1 (running) or 0 (parked)")
    finn: FinnConfig = Field(alias="dixie:finn", description="an object: url, wsUrl, serviceName, ssmPrefix")
    nats: NatsConfig = Field(alias="dixie:nats", description="an object: url, securityGroupId, serviceName")
    database: DatabaseConfig = Field(
        alias="dixie:database",
        description="an object: instanceIdentifier or host, port, name, user, securityGroupId",
    )
    listener_priority: Annotated[int, one_of(range(1, 50001), "1-50000")] = Field(
        default_factory=lambda data: _env_defaults(data).listener_priority,
        alias="dixie:listenerPriority",
        description="1-50000 (default: the environment's)",
    )
    cors_origins: Annotated[list[HttpsOrigin], distinct(1, 20, "origins")] = Field(
        default_factory=_default_cors,
        alias="dixie:corsOrigins",
        description="a list of https://host origins (default: the service's own)",
    )
    alarm_email: Email | None = Field(None, alias="dixie:alarmEmail", description="a plain email address")
    redis_auth: bool = Field(True, alias="dixie:redisAuth", description="true or false")
    jwt_private_key: Hex64 | None = Field(
        None, alias="dixie:jwtPrivateKey", description="64 lower-case hex characters (a secret)"
    )
    admin_key: Hex64 | None = Field(
        None, alias="dixie:adminKey", description="64 lower-case hex characters (a secret)"
    )
    database_password: Password | None = Field(
        None, alias="dixie:databasePassword", description="16-128 printable ASCII characters (a secret)"
    )
    region: Region = Field(alias="aws:region", description="an AWS region such as us-east-1")
    allowed_account_ids: Annotated[list[AccountId], distinct(1, 10, "accounts")] = Field(
        alias="aws:allowedAccountIds", description="a list of 12-digit AWS account ids (quoted)"
    )
    disable_default_providers: Annotated[list[ProviderName], distinct(1, 20, "providers")] | None = Field(
        None,
        alias="pulumi:disable-default-providers",
        description='a list of providers whose default provider is disabled, e.g. ["*"]',
    )

    @field_validator("jwt_private_key", "admin_key", "database_password")
    @classmethod
    def _set_as_secret(cls, value: str, info: ValidationInfo) -> str:
        key = cls.model_fields[str(info.field_name)].alias or ""
        if key not in (info.context or {}).get("secret_keys", ()):
            name = key.partition(":")[2]
            raise fail(f"must be set as a secret: pulumi config set --secret {name}")
        return value


#: Every key a stack may set, as written.
KNOWN_KEYS: tuple[str, ...] = tuple(f.alias for f in StackConfig.model_fields.values() if f.alias)
#: Keys whose values are secrets: never echoed, and only these may be ``secure:``.
SECRET_ALIASES: frozenset[str] = frozenset(
    {"dixie:jwtPrivateKey", "dixie:adminKey", "dixie:databasePassword"}
)


def _options(annotation: Any) -> tuple[Any, ...]:
    """The types a field's annotation allows, with ``Annotated`` and ``| None`` unwrapped."""
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    return tuple(get_args(a)[0] if get_origin(a) is Annotated else a for a in options)


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (``dixie:alb`` holds :class:`AlbConfig`), or None."""
    for option in _options(annotation):
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    return None


#: Keys whose values are text: the CLI's text for them is never decoded.
TEXT_KEYS: frozenset[str] = frozenset(
    f.alias or ""
    for f in StackConfig.model_fields.values()
    if set(_options(f.annotation)) <= {str, type(None)}
)
