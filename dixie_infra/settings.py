"""Validated, frozen settings of one Dixie stack.

This module is the only reader of Pulumi configuration. Its core, :func:`parse_settings`, is pure:
it takes the stack name and the raw ``dixie:``/``aws:`` values (strings as the Pulumi CLI sends
them, or native YAML values as ``Pulumi.<stack>.yaml`` holds them) and returns :class:`Settings`
or raises :class:`SettingsError` listing *every* problem, each naming its key and what is allowed.
It never calls AWS.

Two thin readers feed it:

* :func:`from_pulumi_config` — inside a Pulumi program (CLI or mock runtime);
* :func:`load_stack_file` — for the post-deploy tools, reading ``Pulumi.<stack>.yaml`` directly.
  ``secure:`` values cannot be decrypted without the CLI, so the tools see secrets as absent.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from dixie_infra import names
from dixie_infra.names import Environment, ResourceNames

PROJECT = "dixie"

# --- value rules (real AWS limits and formats) --------------------------------------------------

_AWS_ID = {
    "vpc": re.compile(r"^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$"),
    "subnet": re.compile(r"^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$"),
    "sg": re.compile(r"^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$"),
}
_REGION = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
_ALB_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$"
)
_LISTENER_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/app/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}$"
)
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_DNS_NAME = re.compile(r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_ECS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_GIT_SHA = re.compile(r"^[0-9a-f]{7,40}$")
# No "+build" metadata: "+" is not allowed in a docker tag.
_SEMVER = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$")
_PG_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_RDS_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$")
_SSM_PREFIX = re.compile(r"^(/[A-Za-z0-9_.-]+)+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class _Rule:
    """A value format and how to say what is allowed."""

    pattern: re.Pattern[str]
    allowed: str


SG_ID = _Rule(_AWS_ID["sg"], "a security group id (sg-<8 or 17 hex>)")
ECS_NAME = _Rule(_ECS_NAME, "an ECS service name")
ZONE_ID = _Rule(_ZONE_ID, "a Route53 hosted zone id (Z...)")

#: Valid Fargate (cpu -> memory) combinations, MiB, per the ECS task-size table.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

DESIRED_COUNTS = (0, 1)
LISTENER_PRIORITY_RANGE = (1, 50000)


# --- the settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigProblem:
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class SettingsError(ValueError):
    """Every problem found in a stack's configuration, reported together."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} configuration problem(s):\n{lines}")


@dataclass(frozen=True)
class AlbSettings:
    arn: str
    listener_arn: str
    security_group_id: str
    dns_name: str
    zone_id: str

    @property
    def arn_suffix(self) -> str:
        """``app/<name>/<id>``: the LoadBalancer dimension of ELB metrics."""
        return self.arn.split(":loadbalancer/", 1)[1]


@dataclass(frozen=True)
class FinnSettings:
    url: str
    ws_url: str
    service_name: str
    ssm_prefix: str

    @property
    def base_url_parameter(self) -> str:
        return names.finn_base_url_parameter(self.ssm_prefix)


@dataclass(frozen=True)
class NatsSettings:
    url: str
    security_group_id: str
    service_name: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


@dataclass(frozen=True)
class DatabaseSettings:
    """Exactly one of ``instance_identifier`` (looked up in RDS) and ``host`` is set."""

    instance_identifier: str | None
    host: str | None
    port: int
    name: str
    user: str
    security_group_id: str | None


@dataclass(frozen=True)
class TaskSize:
    cpu: int
    memory: int


@dataclass(frozen=True)
class RedisSizing:
    node_type: str
    num_nodes: int
    snapshot_retention_days: int

    @property
    def automatic_failover(self) -> bool:
        # Failover needs a replica to fail over to; AWS rejects it on a single node.
        return self.num_nodes > 1

    @property
    def multi_az(self) -> bool:
        return self.automatic_failover


@dataclass(frozen=True)
class SecretOverrides:
    """Existing secret values adopted from config; ``None`` means generate one."""

    jwt_private_key: str | None = field(default=None, repr=False)
    admin_key: str | None = field(default=None, repr=False)
    database_password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        present = [k for k in ("jwt_private_key", "admin_key", "database_password") if getattr(self, k)]
        return f"SecretOverrides(set={present})"


@dataclass(frozen=True)
class AppSource:
    """A clean loa-dixie checkout to build the image from, and its short HEAD SHA."""

    path: Path
    git_sha: str

    @property
    def dockerfile(self) -> Path:
        return self.path / "deploy" / "Dockerfile"


@dataclass(frozen=True)
class Settings:
    stack: str
    environment: Environment
    region: str
    allowed_account_ids: tuple[str, ...]
    cluster: str
    vpc_id: str
    private_subnet_ids: tuple[str, ...]
    alb: AlbSettings
    route53_zone_id: str
    image_tag: str | None
    app_source: AppSource | None
    task: TaskSize
    desired_count: int
    finn: FinnSettings
    nats: NatsSettings
    database: DatabaseSettings
    listener_priority: int
    cors_origins: tuple[str, ...]
    alarm_email: str | None
    redis_auth: bool
    redis: RedisSizing
    secrets: SecretOverrides = field(default_factory=SecretOverrides)

    @property
    def names(self) -> ResourceNames:
        return ResourceNames.for_environment(self.environment)

    @property
    def service_name(self) -> str:
        return names.service_name(self.environment)

    @property
    def hostname(self) -> str:
        return names.hostname(self.environment)

    @property
    def base_url(self) -> str:
        return f"https://{self.hostname}"

    @property
    def health_url(self) -> str:
        return f"{self.base_url}{names.HEALTH_PATH}"

    @property
    def ssm_prefix(self) -> str:
        return names.ssm_prefix(self.environment)

    @property
    def metric_namespace(self) -> str:
        return names.metric_namespace(self.environment)

    @property
    def deployed_tag(self) -> str:
        """The image tag that runs: the configured tag, or the checkout's short SHA."""
        if self.app_source is not None:
            return self.app_source.git_sha
        assert self.image_tag is not None  # guaranteed by validation: exactly one is set
        return self.image_tag


@dataclass(frozen=True)
class EnvironmentDefaults:
    cluster: str
    listener_priority: int
    task: TaskSize
    redis: RedisSizing


ENVIRONMENT_DEFAULTS: dict[Environment, EnvironmentDefaults] = {
    Environment.PRODUCTION: EnvironmentDefaults(
        cluster="honeyjar-production",
        listener_priority=200,
        task=TaskSize(cpu=1024, memory=2048),
        redis=RedisSizing(node_type="cache.t4g.small", num_nodes=2, snapshot_retention_days=7),
    ),
    Environment.ARMITAGE: EnvironmentDefaults(
        cluster="arrakis-staging-cluster",
        listener_priority=220,
        task=TaskSize(cpu=256, memory=512),
        redis=RedisSizing(node_type="cache.t4g.micro", num_nodes=1, snapshot_retention_days=1),
    ),
}

#: Every ``dixie:`` key this program reads; anything else is a typo and is refused.
KNOWN_KEYS: tuple[str, ...] = (
    "environment",
    "cluster",
    "vpcId",
    "privateSubnetIds",
    "alb",
    "route53ZoneId",
    "imageTag",
    "appSource",
    "task",
    "desiredCount",
    "finn",
    "nats",
    "database",
    "listenerPriority",
    "corsOrigins",
    "alarmEmail",
    "redisAuth",
    "jwtPrivateKey",
    "adminKey",
    "databasePassword",
)
SECRET_KEYS: frozenset[str] = frozenset({"jwtPrivateKey", "adminKey", "databasePassword"})
_OBJECT_KEYS = {
    "alb": ("arn", "listenerArn", "securityGroupId", "dnsName", "zoneId"),
    "finn": ("url", "wsUrl", "serviceName", "ssmPrefix"),
    "nats": ("url", "securityGroupId", "serviceName"),
    "database": ("instanceIdentifier", "host", "port", "name", "user", "securityGroupId"),
    "task": ("cpu", "memory"),
}


class _Secret:
    """Marks a value that could not be read (a ``secure:`` value outside the CLI)."""

    def __repr__(self) -> str:
        return "[secret]"


UNREADABLE_SECRET = _Secret()


# --- the validator ------------------------------------------------------------------------------


class _Reader:
    """Collects problems while reading raw values; every getter returns a usable placeholder."""

    def __init__(self, values: Mapping[str, Any], aws: Mapping[str, Any], secret_keys: frozenset[str]):
        self.values = values
        self.aws = aws
        self.secret_keys = secret_keys
        self.problems: list[ConfigProblem] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(key, message))

    # Values from the CLI are strings; objects, lists, numbers and bools arrive JSON-encoded.
    def _decode(self, key: str, raw: Any, kind: type) -> Any:
        if isinstance(raw, str) and kind is not str:
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                self.fail(key, f"must be {_KIND_NAMES[kind]}, got text that is not valid JSON")
                return None
        if kind is int and isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if kind is int and isinstance(raw, bool):
            self.fail(key, "must be a whole number, got a boolean")
            return None
        if not isinstance(raw, kind):
            hint = " (quote it in YAML: an all-digit value is read as a number)" if kind is str else ""
            self.fail(key, f"must be {_KIND_NAMES[kind]}, got {type(raw).__name__}{hint}")
            return None
        return raw

    def get(
        self,
        key: str,
        kind: type,
        *,
        required: bool = False,
        source: Mapping[str, Any] | None = None,
        label: str | None = None,
    ) -> Any:
        src = self.values if source is None else source
        label = label or f"dixie:{key}"
        if key not in src or src[key] is None:
            if required:
                self.fail(label, "is required")
            return None
        return self._decode(label, src[key], kind)

    def obj(self, key: str, *, required: bool) -> dict[str, Any]:
        value = self.get(key, dict, required=required)
        if value is None:
            return {}
        allowed = _OBJECT_KEYS[key]
        for sub in value:
            if sub not in allowed:
                self.fail(
                    f"dixie:{key}.{sub}",
                    f"unknown key{_suggest(sub, allowed)}; allowed: {', '.join(allowed)}",
                )
        return value

    def field(
        self, parent: str, obj: Mapping[str, Any], key: str, rule: _Rule, *, default: str | None = None
    ) -> str:
        """A string member of a config object that must match ``rule``: required unless defaulted,
        and only when the object itself is present (a missing object is reported once)."""
        value = self.sub(parent, obj, key, str, required=bool(obj) and default is None) or default
        return _check(self, f"dixie:{parent}.{key}", value, rule.pattern, rule.allowed)

    def sub(
        self, parent: str, obj: Mapping[str, Any], key: str, kind: type, *, required: bool = False
    ) -> Any:
        return self.get(key, kind, required=required, source=obj, label=f"dixie:{parent}.{key}")


_KIND_NAMES = {
    str: "a string",
    int: "a whole number",
    bool: "true or false",
    dict: "an object",
    list: "a list",
}


def _suggest(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check(r: _Reader, label: str, value: str | None, pattern: re.Pattern[str], allowed: str) -> str:
    if value is None:
        return ""
    if not pattern.match(value):
        r.fail(label, f"{value!r} is not {allowed}")
    return value


def _check_url(
    r: _Reader, label: str, value: str | None, schemes: tuple[str, ...], *, port_required: bool = False
) -> str:
    if value is None:
        return ""
    allowed = " or ".join(f"{s}://host" for s in schemes) + (":port" if port_required else "")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        r.fail(label, f"{value!r} is not a valid URL; allowed: {allowed}")
        return value
    host = parts.hostname or ""
    if parts.scheme not in schemes:
        r.fail(label, f"scheme {parts.scheme or '(none)'!r} is not allowed; allowed: {allowed}")
    elif not host or not (_DNS_NAME.match(host) or _is_ip(host) or host == "localhost"):
        r.fail(label, f"{value!r} has no valid host; allowed: {allowed}")
    elif port_required and port is None:
        r.fail(label, f"{value!r} has no port; allowed: {allowed}")
    elif parts.username or parts.password:
        r.fail(label, "must not carry credentials")
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        r.fail(label, f"{value!r} must be an origin without path, query or fragment; allowed: {allowed}")
    return value.rstrip("/")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _check_int(
    r: _Reader, label: str, value: int | None, allowed: tuple[int, ...] | range, text: str
) -> None:
    if value is not None and value not in allowed:
        r.fail(label, f"{value} is not allowed; allowed: {text}")


def parse_settings(
    stack: str,
    values: Mapping[str, Any],
    aws: Mapping[str, Any],
    *,
    secret_keys: frozenset[str] | set[str] = frozenset(),
    inspect_app_source: Callable[[Path], str] | None = None,
) -> Settings:
    """Validate one stack's raw config. ``values`` holds ``dixie:`` keys without the namespace,
    ``aws`` holds ``aws:`` keys without it. Raises :class:`SettingsError` with every problem.

    ``inspect_app_source`` returns the short HEAD SHA of a clean checkout or raises ValueError;
    tools that only need names pass ``None`` and the checkout is not looked at.
    """
    r = _Reader(values, aws, frozenset(secret_keys))

    for key in values:
        if key not in KNOWN_KEYS:
            r.fail(
                f"dixie:{key}", f"unknown key{_suggest(key, KNOWN_KEYS)}; allowed: {', '.join(KNOWN_KEYS)}"
            )

    # environment: must be known and equal the stack name (terraform's workspace guard).
    env_raw = r.get("environment", str, required=True)
    allowed_envs = ", ".join(e.value for e in Environment)
    environment: Environment | None = None
    if env_raw is not None:
        try:
            environment = Environment(env_raw)
        except ValueError:
            r.fail("dixie:environment", f"{env_raw!r} is not allowed; allowed: {allowed_envs}")
        else:
            if env_raw != stack:
                r.fail(
                    "dixie:environment",
                    f"{env_raw!r} differs from the stack name {stack!r}; they must be equal",
                )
    defaults = ENVIRONMENT_DEFAULTS[environment or Environment.ARMITAGE]

    # aws provider settings
    region = r.get("region", str, required=True, source=aws, label="aws:region")
    _check(r, "aws:region", region, _REGION, "an AWS region such as us-east-1")
    accounts = (
        r.get("allowedAccountIds", list, required=True, source=aws, label="aws:allowedAccountIds") or []
    )
    if not accounts and "allowedAccountIds" in aws:
        r.fail("aws:allowedAccountIds", "must name at least one account")
    for acct in accounts:
        if not isinstance(acct, str | int) or not _ACCOUNT.match(str(acct)):
            r.fail("aws:allowedAccountIds", f"{acct!r} is not a 12-digit AWS account id")

    cluster = r.get("cluster", str) or defaults.cluster
    _check(
        r, "dixie:cluster", cluster, _ECS_NAME, "an ECS cluster name (letters, digits, - and _, up to 255)"
    )

    vpc_id = _check(
        r, "dixie:vpcId", r.get("vpcId", str, required=True), _AWS_ID["vpc"], "a VPC id (vpc-<8 or 17 hex>)"
    )
    subnets_raw = r.get("privateSubnetIds", list, required=True)
    subnets: list[str] = []
    if subnets_raw is not None:
        for s in subnets_raw:
            if not isinstance(s, str) or not _AWS_ID["subnet"].match(s):
                r.fail("dixie:privateSubnetIds", f"{s!r} is not a subnet id (subnet-<8 or 17 hex>)")
            else:
                subnets.append(s)
        if len(set(subnets_raw if all(isinstance(s, str) for s in subnets_raw) else [])) < 2:
            r.fail(
                "dixie:privateSubnetIds",
                f"needs at least 2 distinct subnets (in different AZs), got {len(subnets_raw)}",
            )

    alb_raw = r.obj("alb", required=True)
    alb = AlbSettings(
        arn=r.field("alb", alb_raw, "arn", _Rule(_ALB_ARN, "an application load balancer ARN")),
        listener_arn=r.field(
            "alb", alb_raw, "listenerArn", _Rule(_LISTENER_ARN, "an application load balancer listener ARN")
        ),
        security_group_id=r.field("alb", alb_raw, "securityGroupId", SG_ID),
        dns_name=r.field("alb", alb_raw, "dnsName", _Rule(_DNS_NAME, "a DNS name")),
        zone_id=r.field("alb", alb_raw, "zoneId", ZONE_ID),
    )
    if (
        alb_raw
        and alb.arn
        and alb.listener_arn
        and _ALB_ARN.match(alb.arn)
        and _LISTENER_ARN.match(alb.listener_arn)
    ):
        lb_part = alb.arn.split(":loadbalancer/", 1)[1]
        if not alb.listener_arn.split(":listener/", 1)[1].startswith(lb_part + "/"):
            r.fail("dixie:alb.listenerArn", "must be a listener of the load balancer in dixie:alb.arn")

    zone_id = _check(
        r, "dixie:route53ZoneId", r.get("route53ZoneId", str, required=True), ZONE_ID.pattern, ZONE_ID.allowed
    )

    # image: exactly one of imageTag / appSource
    image_tag = r.get("imageTag", str)
    app_source_raw = r.get("appSource", str)
    app_source: AppSource | None = None
    if image_tag is not None and app_source_raw is not None:
        r.fail("dixie:imageTag", "set either dixie:imageTag or dixie:appSource, not both")
    elif image_tag is None and app_source_raw is None:
        r.fail(
            "dixie:imageTag",
            "one of dixie:imageTag (a git SHA or semver tag) or dixie:appSource (a loa-dixie checkout) is required",
        )
    if image_tag is not None:
        if image_tag.strip() == "":
            r.fail(
                "dixie:imageTag",
                "is empty; allowed: a git SHA (7-40 lower-case hex) or a semver tag such as v1.2.3",
            )
        elif image_tag == "latest":
            r.fail(
                "dixie:imageTag",
                "'latest' is refused (mutable, not reproducible); allowed: a git SHA (7-40 lower-case hex) or a semver tag such as v1.2.3",
            )
        elif not (_GIT_SHA.match(image_tag) or _SEMVER.match(image_tag)):
            r.fail(
                "dixie:imageTag",
                f"{image_tag!r} is not allowed; allowed: a git SHA (7-40 lower-case hex) or a semver tag such as v1.2.3",
            )
    if app_source_raw is not None:
        if not app_source_raw.strip():
            r.fail("dixie:appSource", "is empty; allowed: the path of a loa-dixie checkout")
        else:
            path = Path(app_source_raw).expanduser()
            try:
                sha = inspect_app_source(path) if inspect_app_source is not None else ""
                app_source = AppSource(path=path.resolve(), git_sha=sha)
            except ValueError as exc:
                r.fail("dixie:appSource", str(exc))

    task_raw = r.obj("task", required=False)
    cpu = r.sub("task", task_raw, "cpu", int)
    memory = r.sub("task", task_raw, "memory", int)
    task = TaskSize(cpu=cpu or defaults.task.cpu, memory=memory or defaults.task.memory)
    if task.cpu not in FARGATE_SIZES:
        r.fail(
            "dixie:task.cpu",
            f"{task.cpu} is not a Fargate cpu size; allowed: {', '.join(map(str, FARGATE_SIZES))}",
        )
    elif task.memory not in FARGATE_SIZES[task.cpu]:
        mems = FARGATE_SIZES[task.cpu]
        r.fail(
            "dixie:task.memory",
            f"{task.memory} MiB is not valid with cpu {task.cpu}; allowed: {mems[0]}-{mems[-1]} in steps of {mems[1] - mems[0] if len(mems) > 1 else 0} ({', '.join(map(str, mems)) if len(mems) <= 4 else '...'})",
        )

    desired = r.get("desiredCount", int)
    _check_int(
        r,
        "dixie:desiredCount",
        desired,
        DESIRED_COUNTS,
        "1 (running) or 0 (parked); Dixie is a single writer, never more than one task",
    )
    desired_count = 1 if desired is None else desired

    finn_raw = r.obj("finn", required=True)
    env_value = (environment or Environment.ARMITAGE).value
    finn = FinnSettings(
        url=_check_url(
            r, "dixie:finn.url", r.sub("finn", finn_raw, "url", str, required=bool(finn_raw)), ("https",)
        ),
        ws_url=_check_url(
            r, "dixie:finn.wsUrl", r.sub("finn", finn_raw, "wsUrl", str, required=bool(finn_raw)), ("wss",)
        ),
        service_name=r.field("finn", finn_raw, "serviceName", ECS_NAME, default=f"loa-finn-{env_value}"),
        ssm_prefix=r.field(
            "finn",
            finn_raw,
            "ssmPrefix",
            _Rule(_SSM_PREFIX, "an SSM path such as /loa-finn/armitage (leading /, no trailing /)"),
            default=f"/loa-finn/{env_value}",
        ),
    )

    nats_raw = r.obj("nats", required=True)
    nats = NatsSettings(
        url=_check_url(
            r,
            "dixie:nats.url",
            r.sub("nats", nats_raw, "url", str, required=bool(nats_raw)),
            ("nats", "tls"),
            port_required=True,
        ),
        security_group_id=r.field("nats", nats_raw, "securityGroupId", SG_ID),
        service_name=r.field("nats", nats_raw, "serviceName", ECS_NAME),
    )

    db_raw = r.obj("database", required=True)
    db_instance = r.sub("database", db_raw, "instanceIdentifier", str)
    db_host = r.sub("database", db_raw, "host", str)
    if db_raw and (db_instance is None) == (db_host is None):
        r.fail(
            "dixie:database",
            "set exactly one of instanceIdentifier (an RDS instance, looked up) or host (e.g. PgBouncer)",
        )
    _check(
        r,
        "dixie:database.instanceIdentifier",
        db_instance,
        _RDS_ID,
        "an RDS instance identifier (letter first, letters, digits and -, up to 63)",
    )
    if db_host is not None and not (_DNS_NAME.match(db_host) or _is_ip(db_host)):
        r.fail("dixie:database.host", f"{db_host!r} is not a host name or IP address")
    db_port = r.sub("database", db_raw, "port", int)
    _check_int(r, "dixie:database.port", db_port, range(1, 65536), "1-65535")
    db_name = r.sub("database", db_raw, "name", str) or "dixie"
    db_user = r.sub("database", db_raw, "user", str) or "dixie"
    for label, ident in (("dixie:database.name", db_name), ("dixie:database.user", db_user)):
        _check(
            r,
            label,
            ident,
            _PG_IDENT,
            "a plain PostgreSQL identifier (lower-case letter or _, then letters, digits, _; up to 63)",
        )
    db_sg = r.sub("database", db_raw, "securityGroupId", str)
    _check(r, "dixie:database.securityGroupId", db_sg, SG_ID.pattern, SG_ID.allowed)
    database = DatabaseSettings(
        instance_identifier=db_instance,
        host=db_host,
        port=db_port or names.POSTGRES_PORT,
        name=db_name,
        user=db_user,
        security_group_id=db_sg,
    )

    priority = r.get("listenerPriority", int)
    lo, hi = LISTENER_PRIORITY_RANGE
    _check_int(r, "dixie:listenerPriority", priority, range(lo, hi + 1), f"{lo}-{hi}")
    listener_priority = defaults.listener_priority if priority is None else priority

    hostname = names.hostname(environment or Environment.ARMITAGE)
    cors_raw = r.get("corsOrigins", list)
    cors: list[str] = []
    if cors_raw is not None:
        if not cors_raw:
            r.fail("dixie:corsOrigins", "must name at least one origin")
        for origin in cors_raw:
            if not isinstance(origin, str):
                r.fail("dixie:corsOrigins", f"{origin!r} is not a string")
                continue
            cors.append(_check_url(r, "dixie:corsOrigins", origin, ("https",)))
    cors_origins = tuple(cors) if cors_raw else (f"https://{hostname}",)

    alarm_email = r.get("alarmEmail", str)
    _check(r, "dixie:alarmEmail", alarm_email, _EMAIL, "an email address")

    redis_auth = r.get("redisAuth", bool)

    secrets: dict[str, str | None] = {}
    for key, rule, text in (
        ("jwtPrivateKey", _HEX64, "64 lower-case hex characters (openssl rand -hex 32)"),
        ("adminKey", _HEX64, "64 lower-case hex characters (openssl rand -hex 32)"),
        (
            "databasePassword",
            re.compile(r"^[\x21-\x7e]{16,128}$"),
            "16-128 printable ASCII characters without spaces",
        ),
    ):
        raw = values.get(key)
        if raw is None or raw is UNREADABLE_SECRET:
            secrets[key] = None
            continue
        if key not in r.secret_keys:
            r.fail(f"dixie:{key}", f"must be set as a secret: pulumi config set --secret {key}")
        if not isinstance(raw, str) or not rule.match(raw):
            # Never echo the value: it is a secret.
            r.fail(f"dixie:{key}", f"is not valid; allowed: {text}")
            secrets[key] = None
        else:
            secrets[key] = raw

    if r.problems:
        raise SettingsError(r.problems)

    assert environment is not None
    return Settings(
        stack=stack,
        environment=environment,
        region=region,
        allowed_account_ids=tuple(str(a) for a in accounts),
        cluster=cluster,
        vpc_id=vpc_id,
        private_subnet_ids=tuple(subnets),
        alb=alb,
        route53_zone_id=zone_id,
        image_tag=image_tag,
        app_source=app_source,
        task=task,
        desired_count=desired_count,
        finn=finn,
        nats=nats,
        database=database,
        listener_priority=listener_priority,
        cors_origins=cors_origins,
        alarm_email=alarm_email,
        redis_auth=True if redis_auth is None else redis_auth,
        redis=defaults.redis,
        secrets=SecretOverrides(
            jwt_private_key=secrets["jwtPrivateKey"],
            admin_key=secrets["adminKey"],
            database_password=secrets["databasePassword"],
        ),
    )


# --- app source -----------------------------------------------------------------------------------


def inspect_checkout(path: Path) -> str:
    """Short HEAD SHA of a clean loa-dixie checkout; ValueError saying what is wrong otherwise."""
    if not path.is_dir():
        raise ValueError(f"{str(path)!r} is not a directory; allowed: the path of a loa-dixie checkout")
    if not (path / "deploy" / "Dockerfile").is_file():
        raise ValueError(f"{str(path)!r} has no deploy/Dockerfile; allowed: the root of a loa-dixie checkout")

    def git(*args: str) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - fixed git argv, path from config
                ["git", "-C", str(path), *args],  # noqa: S607 - git from PATH, like the operator's shell
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ValueError(f"{str(path)!r} is not a readable git checkout ({type(exc).__name__})") from None
        return done.stdout.strip()

    if git("status", "--porcelain"):
        raise ValueError(
            f"{str(path)!r} has uncommitted or untracked files (the build context is the whole checkout); commit, stash or ignore them so the image matches its SHA"
        )
    return git("rev-parse", "--short=7", "HEAD")


# --- readers ------------------------------------------------------------------------------------


def split_config(config: Mapping[str, Any], project: str = PROJECT) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split flat ``ns:key`` config into (project values, aws values); a bare key is the project's."""
    ours: dict[str, Any] = {}
    aws: dict[str, Any] = {}
    for full_key, value in config.items():
        ns, sep, key = full_key.partition(":")
        if not sep:
            ours[full_key] = value
        elif ns == project:
            ours[key] = value
        elif ns == "aws":
            aws[key] = value
    return ours, aws


def from_pulumi_config() -> Settings:
    """Settings of the running Pulumi program (CLI or mock runtime)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    # pulumi.Config reads one key at a time and cannot list keys; an unknown (mistyped) key must
    # be refused rather than silently ignored, so the whole map is read from the runtime.
    raw: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret = {k.partition(":")[2] for k in raw if runtime_config.is_config_secret(k)}
    secret |= {k.partition(":")[2] for k in runtime_config.get_config_secret_keys_env()}
    values, aws = split_config(raw)
    return parse_settings(
        pulumi.get_stack(),
        values,
        aws,
        secret_keys=frozenset(secret),
        inspect_app_source=inspect_checkout,
    )


def read_stack_file(path: Path) -> tuple[dict[str, Any], dict[str, Any], frozenset[str]]:
    """(project values, aws values, secret keys) of a ``Pulumi.<stack>.yaml``.

    ``secure:`` values stay unreadable (they need the CLI to decrypt).
    """
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise SettingsError([ConfigProblem(str(path), f"cannot be read ({exc.strerror})")]) from None
    except yaml.YAMLError as exc:
        raise SettingsError(
            [ConfigProblem(str(path), f"is not valid YAML ({exc.__class__.__name__})")]
        ) from None
    config = doc.get("config", {}) if isinstance(doc, dict) else None
    if not isinstance(config, dict):
        raise SettingsError([ConfigProblem(str(path), "has no 'config:' mapping")])
    secret: set[str] = set()
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret.add(key.partition(":")[2] or key)
            value = UNREADABLE_SECRET
        flat[key] = value
    values, aws = split_config(flat)
    return values, aws, frozenset(secret)


STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def stack_file(stack: str, project_dir: Path | None = None) -> Path:
    if not STACK_NAME.match(stack):
        raise SettingsError(
            [ConfigProblem("--stack", f"{stack!r} is not a stack name (letters, digits, - _ .)")]
        )
    return (project_dir or project_root()) / f"Pulumi.{stack}.yaml"


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def load_stack_file(stack: str, project_dir: Path | None = None) -> Settings:
    """Settings of ``Pulumi.<stack>.yaml`` for the post-deploy tools (no Pulumi, no AWS, no git)."""
    path = stack_file(stack, project_dir)
    if not path.is_file():
        available = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in path.parent.glob("Pulumi.*.yaml"))
        raise SettingsError(
            [
                ConfigProblem(
                    "--stack",
                    f"no stack file {path.name}; available stacks: {', '.join(available) or 'none'}",
                )
            ]
        )
    values, aws, secret = read_stack_file(path)
    return parse_settings(stack, values, aws, secret_keys=secret)
