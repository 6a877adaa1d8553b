"""The checks of each phase, one row each with a stable id (``--only``, JSON, tests)."""

from __future__ import annotations

from scripts._checks import Check
from scripts.verify_deploy.aws_checks import (
    check_alarms,
    check_data_volume,
    check_ecs_rollout,
    check_finn_wiring,
    check_image_scan,
    check_nats_drift,
    check_ssm_parameters,
    check_target_health,
)
from scripts.verify_deploy.context import Context
from scripts.verify_deploy.database import check_migrations
from scripts.verify_deploy.http_checks import (
    check_dixie_health,
    check_dns,
    check_finn_circuit,
    check_finn_health,
    check_governance,
    check_infrastructure,
)
from scripts.verify_deploy.preflight import (
    check_cluster,
    check_container_insights,
    check_image_tag,
    check_listener_priority,
    check_nats_security_group,
    check_rds_instance,
)

POST_CHECKS: tuple[Check[Context], ...] = (
    Check("dns", "the hostname resolves, to the ALB's addresses", check_dns, needs_aws=False),
    Check(
        "dixie-health",
        "GET /api/health is 200 JSON, status healthy",
        check_dixie_health,
        needs_aws=False,
    ),
    Check(
        "finn-circuit",
        "Finn healthy, circuit closed, latency under the limit",
        check_finn_circuit,
        needs_aws=False,
    ),
    Check(
        "infrastructure",
        "postgresql, redis and nats present and healthy",
        check_infrastructure,
        needs_aws=False,
    ),
    Check("governance", "governance healthy (skip when absent)", check_governance, needs_aws=False),
    Check(
        "finn-health",
        "Finn's /health is 200 and reports Dixie connected",
        check_finn_health,
        needs_aws=False,
    ),
    Check(
        "ecs-rollout",
        "PRIMARY runs the expected task definition, COMPLETED, 1/1, no rollback",
        check_ecs_rollout,
    ),
    Check("target-health", "every registered target is healthy", check_target_health),
    Check(
        "ssm-parameters",
        "exactly the eight parameters, right types, real values",
        check_ssm_parameters,
    ),
    Check("image-scan", "the image's scan has no finding at or above the threshold", check_image_scan),
    Check(
        "alarms",
        "every alarm present, with data, not in ALARM; the topic has a confirmed subscription",
        check_alarms,
    ),
    Check(
        "data-volume",
        "Dixie's EFS file system and its mount targets in both private subnets are available",
        check_data_volume,
    ),
    Check("migrations", "the 13 expected migrations in _migrations", check_migrations),
    Check("nats-drift", "NATS_URL points at a running NATS task", check_nats_drift),
    Check("finn-wiring", "Finn's DIXIE_BASE_URL is https://<hostname>", check_finn_wiring),
)

PREFLIGHT_CHECKS: tuple[Check[Context], ...] = (
    Check("image-tag", "the image tag exists in ECR", check_image_tag),
    Check(
        "listener-priority",
        "the listener rule priority is free or already ours",
        check_listener_priority,
    ),
    Check("cluster", "the ECS cluster exists", check_cluster),
    Check(
        "container-insights",
        "Container Insights is on for the cluster (the two-writer alarm needs it)",
        check_container_insights,
    ),
    Check("nats-security-group", "NATS's security group exists", check_nats_security_group),
    Check("rds-instance", "the RDS instance exists and is available", check_rds_instance),
)

REGISTRY: dict[str, tuple[Check[Context], ...]] = {
    "post": POST_CHECKS,
    "preflight": PREFLIGHT_CHECKS,
}
