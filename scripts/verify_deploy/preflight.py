"""Preflight checks: what must exist before ``pulumi up`` can start (``--phase preflight``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from scripts._checks import fail, skip
from scripts.verify_deploy.context import Context, _error_code

#: ECS cluster settings that mean Container Insights publishes ECS/ContainerInsights metrics.
CONTAINER_INSIGHTS_ON = ("enabled", "enhanced")


def check_image_tag(ctx: Context) -> str:
    tag = ctx.settings.image_tag
    if tag is None:
        raise skip("the stack builds its image from dixie:appSource; the tag is made by the build")
    repository = ctx.settings.names.ecr_repository
    try:
        images = ctx.aws_clients.ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])[
            "imageDetails"
        ]
    except ClientError as exc:
        code = _error_code(exc)
        if code in ("ImageNotFoundException", "RepositoryNotFoundException"):
            raise fail(f"{repository}:{tag} is not in ECR ({code})") from None
        raise
    digest = images[0].get("imageDigest", "") if images else ""
    return f"{repository}:{tag} exists ({digest[:19]})"


def _rules(elbv2: Any, listener_arn: str) -> Iterator[dict[str, Any]]:
    marker: str | None = None
    while True:
        page = elbv2.describe_rules(ListenerArn=listener_arn, **({"Marker": marker} if marker else {}))
        yield from page.get("Rules", [])
        marker = page.get("NextMarker")
        if not marker:
            return


def _is_ours(rule: dict[str, Any], target_group: str, hostname: str) -> bool:
    for action in rule.get("Actions", []):
        arns = [action.get("TargetGroupArn")] + [
            g.get("TargetGroupArn") for g in action.get("ForwardConfig", {}).get("TargetGroups", [])
        ]
        if any(arn and f":targetgroup/{target_group}/" in arn for arn in arns):
            return True
    for condition in rule.get("Conditions", []):
        hosts = condition.get("HostHeaderConfig", {}).get("Values", []) or condition.get("Values", [])
        if condition.get("Field") == "host-header" and hostname in hosts:
            return True
    return False


def check_listener_priority(ctx: Context) -> str:
    priority = str(ctx.settings.listener_priority)
    listener = ctx.settings.alb.listener_arn
    try:
        rule = next(
            (r for r in _rules(ctx.aws_clients.elbv2, listener) if r.get("Priority") == priority),
            None,
        )
    except ClientError as exc:
        if "ListenerNotFound" in _error_code(exc):
            raise fail(f"listener {listener} does not exist") from None
        raise
    if rule is None:
        return f"priority {priority} is free on the shared listener"
    if _is_ours(rule, ctx.settings.names.target_group, ctx.settings.hostname):
        return f"priority {priority} is already ours"
    raise fail(f"priority {priority} is taken by another service's rule {rule.get('RuleArn')}")


def check_cluster(ctx: Context) -> str:
    cluster = ctx.settings.cluster
    found = ctx.aws_clients.ecs.describe_clusters(clusters=[cluster])["clusters"]
    active = [c for c in found if c.get("status") == "ACTIVE"]
    if not active:
        raise fail(f"no ACTIVE ECS cluster {cluster}")
    return f"cluster {cluster} ACTIVE"


def check_container_insights(ctx: Context) -> str:
    """The two-writer alarm reads ECS/ContainerInsights RunningTaskCount, which ECS publishes only
    while Container Insights is on for the cluster (``enabled``, or ``enhanced`` for the
    observability tier); DescribeClusters returns the setting only with include=SETTINGS.
    (Amazon ECS API reference, DescribeClusters and ClusterSetting.)"""
    cluster = ctx.settings.cluster
    found = ctx.aws_clients.ecs.describe_clusters(clusters=[cluster], include=["SETTINGS"])["clusters"]
    if not found:
        raise fail(f"no ECS cluster {cluster}")
    settings = {s.get("name"): s.get("value") for s in found[0].get("settings", [])}
    value = settings.get("containerInsights")
    if value in CONTAINER_INSIGHTS_ON:
        return f"Container Insights {value} on {cluster}"
    # Reported, not a failure: `pulumi up` works without it and the cluster is another team's;
    # what cannot be verified is the two-writer guard, and the verdict names it.
    raise skip(
        f"Container Insights is {value or 'not set'} on {cluster}: the desired-count-drift alarm "
        "has no RunningTaskCount to read, so two writers would go unnoticed (ask the cluster's owner to enable it)"
    )


def check_nats_security_group(ctx: Context) -> str:
    group = ctx.settings.nats.security_group_id
    try:
        ctx.aws_clients.ec2.describe_security_groups(GroupIds=[group])
    except ClientError as exc:
        if "NotFound" in _error_code(exc):
            raise fail(f"NATS security group {group} does not exist") from None
        raise
    return f"NATS security group {group} exists"


def check_rds_instance(ctx: Context) -> str:
    identifier = ctx.settings.database.instance_identifier
    if identifier is None:
        raise skip(f"dixie:database.host {ctx.settings.database.host} is used; no RDS instance to look up")
    try:
        found = ctx.aws_clients.rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    except ClientError as exc:
        if _error_code(exc) == "DBInstanceNotFound":
            raise fail(f"no RDS instance {identifier}") from None
        raise
    status = found[0].get("DBInstanceStatus")
    if status != "available":
        raise fail(f"RDS instance {identifier} is {status}")
    return f"RDS instance {identifier} available"
