"""The validated, frozen settings of one Dixie stack: what the program and the tools consume.

Built only by :mod:`dixie_infra.settings.validation` from configuration that passed validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dixie_infra import names
from dixie_infra.names import Environment, ResourceNames

PROJECT = "dixie"

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

SECRET_KEYS: frozenset[str] = frozenset({"jwtPrivateKey", "adminKey", "databasePassword"})


class _Secret:
    """Marks a value that could not be read (a ``secure:`` value outside the CLI)."""

    def __repr__(self) -> str:
        return "[secret]"


UNREADABLE_SECRET = _Secret()


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
