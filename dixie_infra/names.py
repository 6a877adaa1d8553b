"""Physical names and fixed facts of a Dixie deployment.

Pure functions of the environment: no pulumi import, no I/O. The Pulumi program and the
post-deploy tools in ``scripts/`` both take every name from here, so they cannot disagree.

For every resource the terraform split created, the name is the terraform split's name, so the
existing armitage resources can be adopted with ``pulumi import`` instead of being replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Environment(StrEnum):
    """The environments Dixie is deployed to (terraform's allowed list)."""

    ARMITAGE = "armitage"
    PRODUCTION = "production"


class ParameterType(StrEnum):
    SECURE_STRING = "SecureString"
    STRING = "String"


APP_PORT = 3001
CONTAINER_NAME = "dixie-bff"
HEALTH_PATH = "/api/health"
LOG_STREAM_PREFIX = "dixie"
REDIS_PORT = 6379
NATS_PORT = 4222
POSTGRES_PORT = 5432
OTLP_PORT = 4317
OTEL_ENDPOINT = "http://tempo.arrakis.local:4317"
NFS_PORT = 2049
#: Dixie's persistent state (the allowlist file) lives on EFS mounted here. The app's own default
#: is /data/allowlist.json; /app is root-owned in the image and the process runs as a non-root
#: user, so a path under /app can be neither shipped nor written (app/src/config.ts,
#: deploy/Dockerfile of loa-dixie).
DATA_MOUNT_PATH = "/data"
ALLOWLIST_PATH = f"{DATA_MOUNT_PATH}/allowlist.json"
#: The POSIX owner the EFS access point enforces for every file operation, whatever uid the
#: container runs as (the image's ``dixie`` system user has no fixed uid).
DATA_POSIX_UID = 1000
DATA_POSIX_GID = 1000
#: Private address space that RDS, NATS and Tempo live in.
PRIVATE_CIDR = "10.0.0.0/8"
ECR_KEEP_IMAGES = 10
LOG_RETENTION_DAYS = 30
TARGET_GROUP_NAME_MAX = 32

#: The eight service parameters under ``/dixie/<env>/`` and their SSM types.
SERVICE_PARAMETERS: dict[str, ParameterType] = {
    "FINN_URL": ParameterType.SECURE_STRING,
    "FINN_WS_URL": ParameterType.SECURE_STRING,
    "DATABASE_URL": ParameterType.SECURE_STRING,
    "REDIS_URL": ParameterType.SECURE_STRING,
    "DIXIE_JWT_PRIVATE_KEY": ParameterType.SECURE_STRING,
    "DIXIE_ADMIN_KEY": ParameterType.SECURE_STRING,
    "NATS_URL": ParameterType.STRING,
    "DIXIE_CORS_ORIGINS": ParameterType.STRING,
}

#: The 13 forward migrations Dixie applies at start-up, in order (``_migrations.filename``).
EXPECTED_MIGRATIONS: tuple[str, ...] = tuple(
    f"{name}.sql"
    for name in (
        "003_schedules",
        "004_autonomous_permissions",
        "005_reputation_aggregates",
        "006_reputation_task_cohorts",
        "007_reputation_events",
        "008_mutation_log",
        "009_audit_trail",
        "010_knowledge_freshness",
        "011_dynamic_contracts",
        "012_audit_chain_uniqueness",
        "013_fleet_orchestration",
        "014_outbox",
        "015_agent_ecology",
    )
)

ALARM_ROLES: tuple[str, ...] = (
    "desired-count-drift",
    "cpu-high",
    "memory-high",
    "unhealthy-hosts",
    "finn-latency-p95",
    "redis-memory-high",
    "circuit-breaker-open",
)


def service_name(environment: Environment | str) -> str:
    """``dixie-bff`` in production, ``dixie-<env>`` elsewhere (terraform's locals)."""
    env = Environment(environment)
    return "dixie-bff" if env is Environment.PRODUCTION else f"dixie-{env.value}"


def hostname(environment: Environment | str) -> str:
    env = Environment(environment)
    if env is Environment.PRODUCTION:
        return "dixie.thj.dev"
    return f"dixie-{env.value}.arrakis.community"


def ssm_prefix(environment: Environment | str) -> str:
    return f"/dixie/{Environment(environment).value}"


def parameter_name(environment: Environment | str, key: str) -> str:
    if key not in SERVICE_PARAMETERS:
        raise ValueError(f"unknown service parameter {key!r}; known: {', '.join(SERVICE_PARAMETERS)}")
    return f"{ssm_prefix(environment)}/{key}"


def metric_namespace(environment: Environment | str) -> str:
    return f"Dixie/{Environment(environment).value}"


def ecs_cluster_arn(partition: str, region: str, account: str, cluster: str) -> str:
    """The cluster's ARN: what the provider stores in an ECS service's ``cluster`` after import."""
    return f"arn:{partition}:ecs:{region}:{account}:cluster/{cluster}"


def ecs_service_arn(partition: str, region: str, account: str, cluster: str, service: str) -> str:
    """A service's ARN in the long format (cluster name in the path), as ECS events carry it."""
    return f"arn:{partition}:ecs:{region}:{account}:service/{cluster}/{service}"


def finn_base_url_parameter(finn_ssm_prefix: str) -> str:
    """Finn's parameter that holds Dixie's address."""
    return f"{finn_ssm_prefix.rstrip('/')}/DIXIE_BASE_URL"


@dataclass(frozen=True)
class ResourceNames:
    """Every physical name of one deployment, derived from the service name."""

    service: str

    @classmethod
    def for_environment(cls, environment: Environment | str) -> ResourceNames:
        return cls(service_name(environment))

    @property
    def ecr_repository(self) -> str:
        return self.service

    @property
    def execution_role(self) -> str:
        return f"{self.service}-ecs-task-execution"

    @property
    def execution_policy(self) -> str:
        return f"{self.service}-execution-ssm"

    @property
    def task_role(self) -> str:
        return f"{self.service}-ecs-task"

    @property
    def task_policy(self) -> str:
        return f"{self.service}-task-permissions"

    @property
    def service_security_group(self) -> str:
        return f"{self.service}-ecs"

    @property
    def log_group(self) -> str:
        return f"/ecs/{self.service}"

    @property
    def task_family(self) -> str:
        return self.service

    @property
    def ecs_service(self) -> str:
        return self.service

    @property
    def target_group(self) -> str:
        return self.service

    @property
    def redis_subnet_group(self) -> str:
        return f"{self.service}-redis"

    @property
    def redis_security_group(self) -> str:
        return f"{self.service}-redis"

    @property
    def redis_parameter_group(self) -> str:
        return f"{self.service}-redis7"

    @property
    def redis_replication_group(self) -> str:
        return self.service

    @property
    def data_file_system(self) -> str:
        """EFS file system holding ``/data`` (its creation token and Name tag)."""
        return f"{self.service}-data"

    @property
    def data_security_group(self) -> str:
        return f"{self.service}-efs"

    @property
    def data_access_point(self) -> str:
        """The EFS access point's Name tag."""
        return f"{self.service}-data"

    @property
    def deployment_failed_rule(self) -> str:
        """EventBridge rule routing a failed ECS deployment of the service to the alarm topic."""
        return f"{self.service}-deployment-failed"

    def redis_nodes(self, count: int) -> tuple[str, ...]:
        """The replication group's member clusters: ElastiCache numbers them ``<group>-001`` ..."""
        return tuple(f"{self.redis_replication_group}-{index:03d}" for index in range(1, count + 1))

    @property
    def alarm_topic(self) -> str:
        return f"{self.service}-alarms"

    def alarm(self, role: str) -> str:
        if role not in ALARM_ROLES:
            raise ValueError(f"unknown alarm {role!r}; known: {', '.join(ALARM_ROLES)}")
        return f"{self.service}-{role}"

    @property
    def circuit_breaker_filter(self) -> str:
        return f"{self.service}-circuit-breaker-open"

    @property
    def allowlist_denied_filter(self) -> str:
        return f"{self.service}-allowlist-denied"
