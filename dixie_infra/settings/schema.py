"""The stack configuration, declared: one strict model per object, one field per key.

Each field carries the key as the operator writes it (its alias), its default, what is allowed
(its description, which is also what errors say) and its format. Models are strict (no coercion:
``true`` is not the text ``"true"``, ``1.0`` is not ``1``) and forbid keys they do not declare,
so a typo, a key in an unknown namespace or an ``aws:`` key the provider would ignore is refused.
Adding a key is adding one field here (and, if the program reads it, the attribute of the same
name on :class:`Settings`, filled by name).

Formats are full-string matches over ASCII classes (``re.ASCII`` + ``fullmatch``): Python's ``$``
matches before a trailing newline and ``\\d`` matches any Unicode digit, so ``re.match(r"^\\d{12}$")``
accepts ``"891376933289\\n"`` and a full-width account id.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import json
import re
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dixie_infra import names
from dixie_infra.names import Environment
from dixie_infra.redaction import shorten
from dixie_infra.settings.problems import ConfigProblem, echo, kind_of, show_key
from dixie_infra.settings.types import (
    ENVIRONMENT_DEFAULTS,
    FARGATE_SIZES,
    AppSource,
    EnvironmentDefaults,
    FinnSettings,
    SecretOverrides,
    Settings,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_T = TypeVar("_T", bound="DataclassInstance")

#: Namespaces a stack may configure, and why each is read.
NAMESPACES = {
    "dixie": "the program's own keys",
    "aws": "the explicit AWS provider (only aws:region and aws:allowedAccountIds are read)",
    "pulumi": "the engine (only pulumi:disable-default-providers)",
}
#: Longest text any key accepts (ARNs are the longest values, under 200 characters).
TEXT_MAX = 512
#: A CLI value holding JSON (an object or list) longer than this is not a stack setting.
JSON_MAX = 16 * 1024


def _fail(message: str, *, key: str | None = None) -> PydanticCustomError:
    # The text goes in the context, not the template: a value echoed in it may contain braces.
    ctx = {"message": message} if key is None else {"message": message, "key": key}
    return PydanticCustomError("dixie", "{message}", ctx)


def _plain(value: str, allowed: str, *, secret: bool = False) -> None:
    """Refuse what no key accepts: empty text, surrounding or embedded whitespace and control
    characters (a trailing newline), non-ASCII characters (Unicode digits), absurd length."""
    shown = "the value" if secret else echo(value)
    if not value.strip():
        raise _fail(f"is empty; allowed: {allowed}")
    if len(value) > TEXT_MAX:
        raise _fail(f"is {len(value)} characters long; allowed: {allowed} (at most {TEXT_MAX} characters)")
    if not value.isascii():
        raise _fail(f"{shown} contains non-ASCII characters; allowed: {allowed}")
    if not value.isprintable() or value != value.strip() or any(c.isspace() for c in value):
        raise _fail(f"{shown} contains whitespace or control characters; allowed: {allowed}")


def _text(regex: str, allowed: str, *, secret: bool = False) -> AfterValidator:
    """Text matching ``regex`` in full; secrets are never echoed."""
    pattern = re.compile(regex, re.ASCII)

    def check(value: str) -> str:
        _plain(value, allowed, secret=secret)
        if not pattern.fullmatch(value):
            raise _fail(f"is not valid; allowed: {allowed}" if secret else f"{echo(value)} is not {allowed}")
        return value

    return AfterValidator(check)


def _one_of(values: Collection[int], allowed: str, *, what: str = "allowed") -> AfterValidator:
    def check(value: int) -> int:
        if value not in values:
            raise _fail(f"{echo(value)} is not {what}; allowed: {allowed}")
        return value

    return AfterValidator(check)


_DNS = r"(?=.{1,253}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
_DNS_NAME = re.compile(_DNS, re.ASCII)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _url(schemes: tuple[str, ...], *, port_required: bool = False) -> AfterValidator:
    """An origin: scheme://host[:port][/], nothing else, no credentials."""
    from urllib.parse import urlsplit

    allowed = " or ".join(f"{s}://host" for s in schemes) + (":port" if port_required else "")

    def check(value: str) -> str:
        if "@" in value:
            # Checked first and never echoed: what precedes @ is a user name or a token.
            raise _fail(f"must not carry credentials (user:password@); allowed: {allowed}")
        _plain(value, allowed)
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            raise _fail(f"{echo(value)} is not a valid URL; allowed: {allowed}") from None
        host = parts.hostname or ""
        if parts.scheme not in schemes:
            raise _fail(f"scheme {echo(parts.scheme or '(none)')} is not allowed; allowed: {allowed}")
        if not host or not (_DNS_NAME.fullmatch(host) or _is_ip(host) or host == "localhost"):
            raise _fail(f"{echo(value)} has no valid host; allowed: {allowed}")
        if port_required and port is None:
            raise _fail(f"{echo(value)} has no port; allowed: {allowed}")
        if port == 0:
            raise _fail(f"{echo(value)} has port 0; allowed: {allowed} with a port 1-65535")
        if parts.path not in ("", "/") or "?" in value or "#" in value:
            raise _fail(
                f"{echo(value)} must be an origin without path, query or fragment; allowed: {allowed}"
            )
        return value.rstrip("/")

    return AfterValidator(check)


# --- value formats (real AWS limits and formats) -----------------------------------------------

_HEX_ID = r"(?:[0-9a-f]{8}|[0-9a-f]{17})"
_ARN_HEAD = r"arn:aws[a-z-]{0,16}:elasticloadbalancing:[a-z0-9-]{1,32}:[0-9]{12}"

VpcId = Annotated[str, _text(rf"vpc-{_HEX_ID}", "a VPC id (vpc-<8 or 17 hex>)")]
SubnetId = Annotated[str, _text(rf"subnet-{_HEX_ID}", "a subnet id (subnet-<8 or 17 hex>)")]
SgId = Annotated[str, _text(rf"sg-{_HEX_ID}", "a security group id (sg-<8 or 17 hex>)")]
ZoneId = Annotated[str, _text(r"Z[A-Z0-9]{1,31}", "a Route53 hosted zone id (Z...)")]
Region = Annotated[
    str, _text(r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]{1,16}-[0-9]", "an AWS region such as us-east-1")
]
AccountId = Annotated[str, _text(r"[0-9]{12}", "a 12-digit AWS account id (quoted)")]
EcsName = Annotated[str, _text(r"[A-Za-z0-9_-]{1,255}", "an ECS name (letters, digits, - and _, up to 255)")]
ClusterName = Annotated[
    str, _text(r"[A-Za-z0-9_-]{1,255}", "an ECS cluster name (letters, digits, - and _, up to 255)")
]
DnsName = Annotated[str, _text(_DNS, "a DNS name")]
AlbArn = Annotated[
    str,
    _text(
        rf"{_ARN_HEAD}:loadbalancer/app/[A-Za-z0-9-]{{1,32}}/[0-9a-f]{{16}}",
        "an application load balancer ARN",
    ),
]
ListenerArn = Annotated[
    str,
    _text(
        rf"{_ARN_HEAD}:listener/app/[A-Za-z0-9-]{{1,32}}/[0-9a-f]{{16}}/[0-9a-f]{{16}}",
        "an application load balancer listener ARN",
    ),
]
SsmPrefix = Annotated[
    str,
    _text(
        r"(?:/[A-Za-z0-9_.-]{1,128}){1,15}",
        "an SSM path such as /loa-finn/armitage (leading /, no trailing /)",
    ),
]
# AWS: letter first, letters, digits and hyphens, no two hyphens in a row, no hyphen at the end.
RdsId = Annotated[
    str,
    _text(
        r"[A-Za-z](?:[A-Za-z0-9]|-(?!-)){0,62}(?<!-)",
        "an RDS instance identifier (letter first, letters, digits and -, up to 63)",
    ),
]
PgIdent = Annotated[
    str,
    _text(
        r"[a-z_][a-z0-9_]{0,62}",
        "a plain PostgreSQL identifier (lower-case letter or _, then letters, digits, _; up to 63)",
    ),
]
# Only characters that mean nothing to a shell or a mail header: an address ends up in an SNS
# subscription and in commands people paste.
Email = Annotated[
    str,
    _text(
        rf"[A-Za-z0-9_+-]{{1,64}}(?:\.[A-Za-z0-9_+-]{{1,64}}){{0,8}}@{_DNS}",
        "a plain email address (letters, digits, . _ + - before @, then a domain)",
    ),
]
_IMAGE_TAG_ALLOWED = "a git SHA (7-40 lower-case hex) or a semver tag such as v1.2.3"
_SEMVER = r"v?(?:0|[1-9][0-9]{0,8})\.(?:0|[1-9][0-9]{0,8})\.(?:0|[1-9][0-9]{0,8})(?:-[0-9A-Za-z.-]{1,64})?"
Hex64 = Annotated[
    str, _text(r"[0-9a-f]{64}", "64 lower-case hex characters (openssl rand -hex 32)", secret=True)
]
Password = Annotated[
    str,
    _text(r"[\x21-\x7e]{16,128}", "16-128 printable ASCII characters without spaces", secret=True),
]


def _image_tag(value: str) -> str:
    if value == "latest":
        raise _fail(f"'latest' is refused (mutable, not reproducible); allowed: {_IMAGE_TAG_ALLOWED}")
    _plain(value, _IMAGE_TAG_ALLOWED)
    if not (re.fullmatch(r"[0-9a-f]{7,40}", value, re.ASCII) or re.fullmatch(_SEMVER, value, re.ASCII)):
        raise _fail(f"{echo(value)} is not allowed; allowed: {_IMAGE_TAG_ALLOWED}")
    return value


ImageTag = Annotated[str, AfterValidator(_image_tag)]
DbHost = Annotated[str, _text(rf"{_DNS}|[0-9.]{{7,15}}|[0-9a-fA-F:]{{2,39}}", "a host name or IP address")]
HttpsOrigin = Annotated[str, _url(("https",))]
WssOrigin = Annotated[str, _url(("wss",))]
NatsUrl = Annotated[str, _url(("nats", "tls"), port_required=True)]
Port = Annotated[int, _one_of(range(1, 65536), "1-65535")]
ProviderName = Annotated[str, _text(r"\*|[a-z][a-z0-9-]{0,63}", "* or a provider package name such as aws")]


def _db_host(value: str) -> str:
    if not (_DNS_NAME.fullmatch(value) or _is_ip(value)):
        raise _fail(f"{echo(value)} is not a host name or IP address")
    return value


def _distinct(minimum: int, maximum: int, what: str) -> AfterValidator:
    def check(value: list[str]) -> list[str]:
        distinct = len(set(value))
        if distinct < minimum:
            got = (
                f"got {len(value)}" if distinct == len(value) else f"got {distinct} distinct of {len(value)}"
            )
            raise _fail(f"needs at least {minimum} distinct {what}, {got}")
        if len(value) > maximum:
            raise _fail(f"names {len(value)} {what}; allowed: at most {maximum}")
        return value

    return AfterValidator(check)


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
            raise _fail("must be a listener of the load balancer in dixie:alb.arn", key="listenerArn")
        return self


class TaskConfig(_Strict):
    # Both or neither: half a Fargate size pair is not a size.
    cpu: Annotated[
        int, _one_of(FARGATE_SIZES, ", ".join(map(str, FARGATE_SIZES)), what="a Fargate cpu size")
    ] = Field(alias="cpu", description=f"a Fargate cpu size: {', '.join(map(str, FARGATE_SIZES))}")
    memory: int = Field(alias="memory", description="MiB, valid with the cpu (ECS task-size table)")

    @model_validator(mode="after")
    def _fargate_pair(self) -> TaskConfig:
        mems = FARGATE_SIZES[self.cpu]
        if self.memory not in mems:
            step = mems[1] - mems[0] if len(mems) > 1 else 0
            listed = ", ".join(map(str, mems)) if len(mems) <= 4 else "..."
            raise _fail(
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
    host: Annotated[DbHost, AfterValidator(_db_host)] | None = Field(
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
            raise _fail(
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
        raise _fail(f"{echo(value)} is not allowed; allowed: {allowed}")
    stack = (info.context or {}).get("stack")
    if stack is not None and value != stack:
        raise _fail(f"{echo(value)} differs from the stack name {stack!r}; they must be equal")
    return value


def _app_source(value: str, info: ValidationInfo) -> str:
    allowed = "the path of a loa-dixie checkout"
    if not value.strip():
        raise _fail(f"is empty; allowed: {allowed}")
    if len(value) > 4096 or not value.isprintable() or value != value.strip():
        raise _fail(f"{echo(value)} is not a plain path; allowed: {allowed}")
    context = info.context or {}
    inspect: Callable[[Path], str] | None = context.get("inspect_app_source")
    path = Path(value).expanduser()
    try:
        sha = inspect(path) if inspect is not None else ""
    except ValueError as exc:
        raise _fail(shorten(str(exc), 300)) from None
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
    private_subnet_ids: Annotated[list[SubnetId], _distinct(2, 16, "subnets (in different AZs)")] = Field(
        alias="dixie:privateSubnetIds", description="a list of at least 2 subnet ids (subnet-...)"
    )
    alb: AlbConfig = Field(
        alias="dixie:alb", description="an object: arn, listenerArn, securityGroupId, dnsName, zoneId"
    )
    route53_zone_id: ZoneId = Field(
        alias="dixie:route53ZoneId", description="a Route53 hosted zone id (Z...)"
    )
    # Exactly one of imageTag and appSource: checked in validate_config, over both keys' presence.
    image_tag: ImageTag | None = Field(None, alias="dixie:imageTag", description=_IMAGE_TAG_ALLOWED)
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
        int, _one_of((0, 1), "1 (running) or 0 (parked); Dixie is a single writer, never more than one task")
    ] = Field(1, alias="dixie:desiredCount", description="1 (running) or 0 (parked)")
    finn: FinnConfig = Field(alias="dixie:finn", description="an object: url, wsUrl, serviceName, ssmPrefix")
    nats: NatsConfig = Field(alias="dixie:nats", description="an object: url, securityGroupId, serviceName")
    database: DatabaseConfig = Field(
        alias="dixie:database",
        description="an object: instanceIdentifier or host, port, name, user, securityGroupId",
    )
    listener_priority: Annotated[int, _one_of(range(1, 50001), "1-50000")] = Field(
        default_factory=lambda data: _env_defaults(data).listener_priority,
        alias="dixie:listenerPriority",
        description="1-50000 (default: the environment's)",
    )
    cors_origins: Annotated[list[HttpsOrigin], _distinct(1, 20, "origins")] = Field(
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
    allowed_account_ids: Annotated[list[AccountId], _distinct(1, 10, "accounts")] = Field(
        alias="aws:allowedAccountIds", description="a list of 12-digit AWS account ids (quoted)"
    )
    disable_default_providers: Annotated[list[ProviderName], _distinct(1, 20, "providers")] | None = Field(
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
            raise _fail(f"must be set as a secret: pulumi config set --secret {name}")
        return value


#: Every key a stack may set, as written.
KNOWN_KEYS: tuple[str, ...] = tuple(f.alias for f in StackConfig.model_fields.values() if f.alias)
#: Keys whose values are secrets: never echoed, and only these may be ``secure:``.
SECRET_ALIASES: frozenset[str] = frozenset(
    {"dixie:jwtPrivateKey", "dixie:adminKey", "dixie:databasePassword"}
)


# --- values as the CLI sends them ------------------------------------------------------------


def _base(annotation: Any) -> Any:
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _is_text_field(annotation: Any) -> bool:
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    return all(_base(a) in (str, type(None)) for a in options)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    for option in map(_base, options):
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    return None


_TEXT_KEYS = frozenset(f.alias for f in StackConfig.model_fields.values() if _is_text_field(f.annotation))
_CLI_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})", re.ASCII)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError("duplicate key")
        out[key] = value
    return out


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 18:
        raise ValueError("number too long")
    return int(text)


def _refuse_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a number")


def decode_cli_value(key: str, value: Any) -> Any:
    """The CLI hands every value over as text; lists, objects, numbers and booleans JSON-encoded.

    Text for a key that is not text is decoded only when it is exactly what ``pulumi config``
    writes (``1``, ``true``, a JSON list or object); anything else stays text and is refused as
    the wrong type. ``json.loads`` alone would accept ``"1\\n"`` and ``NaN``.
    """
    if key in _TEXT_KEYS or not isinstance(value, str):
        return value
    if _CLI_INT.fullmatch(value):
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    if value[:1] in ("[", "{") and len(value) <= JSON_MAX and value == value.strip():
        try:
            return json.loads(
                value,
                object_pairs_hook=_no_duplicates,
                parse_int=_bounded_int,
                parse_constant=_refuse_constant,
            )
        except (ValueError, RecursionError):
            return value
    return value


# --- errors as the operator reads them -----------------------------------------------------------

_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


def _field_at(loc: tuple[str | int, ...]) -> tuple[str, Any, type[BaseModel] | None]:
    """(key as written, its FieldInfo or None, the model it holds or None) of an error location."""
    model: type[BaseModel] | None = StackConfig
    info = None
    key = ""
    for part in loc:
        if isinstance(part, int):
            continue
        key = part if not key else f"{key}.{part}"
        fields = {f.alias: f for f in model.model_fields.values()} if model is not None else {}
        info = fields.get(part)
        model = _model_in(info.annotation) if info is not None else None
    return key, info, model


def _suggest(word: str, options: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown(loc: tuple[str | int, ...]) -> ConfigProblem:
    """An undeclared key: a typo, a key of another namespace, or an aws: key nobody reads."""
    name = str(loc[-1])
    if len(loc) > 1:
        parent, _, model = _field_at(loc[:-1])
        allowed = [f.alias or "" for f in model.model_fields.values()] if model else []
        return ConfigProblem(
            show_key(f"{parent}.{name}"),
            f"unknown key{_suggest(name, allowed)}; allowed: {', '.join(allowed)}",
        )
    shown = show_key(name)
    ns, sep, rest = name.partition(":")
    if not sep:
        return ConfigProblem(
            shown,
            f"is not a namespace:key configuration key{_suggest(name, KNOWN_KEYS)}; "
            f"allowed namespaces: {', '.join(NAMESPACES)}",
        )
    if ns not in NAMESPACES:
        guess = difflib.get_close_matches(ns, list(NAMESPACES), n=1, cutoff=0.5)
        hint = f" (did you mean {show_key(f'{guess[0]}:{rest}')}?)" if guess else ""
        return ConfigProblem(
            shown,
            f"unknown namespace {show_key(ns)}{hint}: nothing reads it, so the value would be ignored; "
            "allowed: " + "; ".join(f"{n}: ({why})" for n, why in NAMESPACES.items()),
        )
    in_ns = [k.partition(":")[2] for k in KNOWN_KEYS if k.startswith(f"{ns}:")]
    why = "" if ns == "dixie" else f" ({NAMESPACES[ns]}; any other would be ignored)"
    return ConfigProblem(shown, f"unknown key{_suggest(rest, in_ns)}{why}; allowed: {', '.join(in_ns)}")


def _translate(error: Mapping[str, Any]) -> ConfigProblem | None:
    kind = error["type"]
    loc: tuple[str | int, ...] = tuple(error["loc"])
    if kind == "default_factory_not_called":
        return None  # a default that depends on another key that is itself reported
    if kind == "extra_forbidden":
        return _unknown(loc)
    key, info, _ = _field_at(loc)
    ctx = error.get("ctx") or {}
    if kind == "dixie" and ctx.get("key"):
        key = f"{key}.{ctx['key']}"
    shown = show_key(key)
    allowed = (info.description if info is not None else None) or "see docs/configuration"
    items = [p for p in loc if isinstance(p, int)]
    prefix = f"item {items[-1] + 1}: " if items else ""
    if kind == "dixie":
        return ConfigProblem(shown, prefix + str(ctx["message"]))
    if kind == "dixie_empty":
        optional = info is not None and not info.is_required() and not items
        return ConfigProblem(
            shown, f"{prefix}is empty; allowed: {allowed}" + (" (or remove the key)" if optional else "")
        )
    if kind == "missing":
        return ConfigProblem(shown, f"is required; allowed: {allowed}")
    if kind in _EXPECTED:
        got = kind_of(error.get("input"))
        hint = ""
        if kind == "string_type" and isinstance(error.get("input"), int | float | bool):
            hint = " (quote it in YAML: an unquoted value is read as a number or a boolean)"
        return ConfigProblem(shown, f"{prefix}must be {_EXPECTED[kind]}, got {got}{hint}")
    return ConfigProblem(shown, f"{prefix}is not valid; allowed: {allowed}")


# --- validation ----------------------------------------------------------------------------------


def validate_config(
    stack: str | None,
    config: Mapping[str, Any],
    *,
    secret_keys: Collection[str] = (),
    inspect_app_source: Callable[[Path], str] | None = None,
) -> tuple[Settings | None, list[ConfigProblem]]:
    """Validate flat ``ns:key`` config. ``secret_keys`` are full keys set as secrets; a value
    that is ``UNREADABLE_SECRET`` (a ``secure:`` value read without the CLI) counts as absent.

    Returns the settings, or None and every problem found.
    """
    from dixie_infra.settings.types import UNREADABLE_SECRET

    problems: list[ConfigProblem] = []
    refused: set[str] = set()
    data: dict[str, Any] = {}
    for key, value in config.items():
        secret = value is UNREADABLE_SECRET or key in secret_keys
        if secret and key in KNOWN_KEYS and key not in SECRET_ALIASES:
            refused.add(key)
            problems.append(
                ConfigProblem(
                    key,
                    "is set as a secret, which the tools cannot read without the CLI; only "
                    f"{', '.join(sorted(SECRET_ALIASES))} may be secrets; set it as plain text",
                )
            )
        elif value is UNREADABLE_SECRET and key in SECRET_ALIASES:
            continue  # set, but unreadable here: as if absent (the program adopts it under the CLI)
        else:
            # An unknown key keeps its value only to be refused as unknown; it is never echoed.
            data[key] = decode_cli_value(key, value)

    if ("dixie:imageTag" in data) == ("dixie:appSource" in data):
        both = "dixie:imageTag" in data
        problems.append(
            ConfigProblem(
                "dixie:imageTag",
                "set either dixie:imageTag or dixie:appSource, not both"
                if both
                else "one of dixie:imageTag (a git SHA or semver tag) or dixie:appSource (a loa-dixie checkout) is required",
            )
        )

    context: dict[str, Any] = {
        "stack": stack,
        "secret_keys": frozenset(secret_keys),
        "inspect_app_source": inspect_app_source,
    }
    model: StackConfig | None = None
    try:
        model = StackConfig.model_validate(data, context=context)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=True):
            problem = _translate(error)
            if problem is not None and problem not in problems and problem.key not in refused:
                problems.append(problem)
    except RecursionError:
        problems.append(ConfigProblem("config", "is nested too deeply"))
    if problems or model is None:
        return None, problems
    return _settings(stack or model.environment, model, context.get("app_sources", {})), []


def _settings(stack: str, m: StackConfig, app_sources: Mapping[str, AppSource]) -> Settings:
    """The program's view of a valid config. Attributes are taken from the model's fields of the
    same name (so a new key needs its field here and its attribute on Settings, nothing else);
    only what is not a key, or is derived, is given explicitly."""
    environment = Environment(m.environment)
    env = environment.value
    return _frozen(
        Settings,
        m,
        stack=stack,
        environment=environment,
        app_source=app_sources.get(m.app_source) if m.app_source is not None else None,
        finn=_frozen(
            FinnSettings,
            m.finn,
            service_name=m.finn.service_name or f"loa-finn-{env}",
            ssm_prefix=m.finn.ssm_prefix or f"/loa-finn/{env}",
        ),
        redis=ENVIRONMENT_DEFAULTS[environment].redis,
        secrets=SecretOverrides(
            jwt_private_key=m.jwt_private_key,
            admin_key=m.admin_key,
            database_password=m.database_password,
        ),
    )


def _frozen(cls: type[_T], model: BaseModel, **given: Any) -> _T:
    """``cls`` (a frozen dataclass) from the same-named fields of ``model``: lists become tuples,
    nested models the dataclass that ``cls`` declares for them."""
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        if item.name in given:
            values[item.name] = given[item.name]
            continue
        value = getattr(model, item.name)
        if isinstance(value, BaseModel):
            value = _frozen(hints[item.name], value)
        elif isinstance(value, list):
            value = tuple(value)
        values[item.name] = value
    return cls(**values)
