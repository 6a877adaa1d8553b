"""Post-deploy checks against AWS: ECS rollout, target health, SSM parameters, image scan,
alarms, the data volume, NATS drift and Finn's wiring."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from dixie_infra import names
from scripts import _nats
from scripts._aws import get_parameter, parameter_value
from scripts._checks import SecretBag, fail, skip
from scripts.verify_deploy.context import PLACEHOLDER, SEVERITIES, Context, _error_code, _short

_ROLLBACK_WORDS = ("rolling back", "rolled back", "circuit breaker")


def _expected_task_definition(ctx: Context) -> str:
    if ctx.expected_task_definition:
        return ctx.expected_task_definition
    # Without a revision ECS answers with the family's newest ACTIVE revision.
    family = ctx.settings.names.task_family
    described = ctx.aws_clients.ecs.describe_task_definition(taskDefinition=family)
    return str(described["taskDefinition"]["taskDefinitionArn"])


def check_ecs_rollout(ctx: Context) -> str:
    ecs = ctx.aws_clients.ecs
    name = ctx.settings.names.ecs_service
    found = ecs.describe_services(cluster=ctx.settings.cluster, services=[name])["services"]
    service = next((s for s in found if s.get("status") == "ACTIVE"), None)
    if service is None:
        raise fail(f"no ACTIVE ECS service {name} in cluster {ctx.settings.cluster}")
    deployments = service.get("deployments", [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None:
        raise fail(f"service {name} has no PRIMARY deployment")
    expected = _expected_task_definition(ctx)
    problems = []
    if _short(primary.get("taskDefinition", "")) != _short(expected):
        problems.append(
            f"PRIMARY runs {_short(primary.get('taskDefinition', '?'))}, expected {_short(expected)}"
        )
    if primary.get("rolloutState") != "COMPLETED":
        reason = primary.get("rolloutStateReason", "")
        problems.append(
            f"rollout {primary.get('rolloutState', 'unknown')}" + (f" ({reason})" if reason else "")
        )
    running, desired = service.get("runningCount"), service.get("desiredCount")
    if not running == desired == 1:
        problems.append(f"running {running}/{desired} (want 1/1)")
    started: datetime | None = primary.get("createdAt")
    failed = [
        d
        for d in deployments
        if d.get("rolloutState") == "FAILED"
        and (
            (started is not None and d.get("createdAt") is not None and d["createdAt"] >= started)
            or _short(d.get("taskDefinition", "")) == _short(expected)
        )
    ]
    problems += [f"deployment {d.get('id')} of {_short(d.get('taskDefinition', '?'))} FAILED" for d in failed]
    # The rollout under way began with the oldest deployment still listed; a rollback since then
    # means the service is steady on something other than what was deployed.
    since = min((d["createdAt"] for d in deployments if d.get("createdAt")), default=None)
    rollbacks = [
        e
        for e in service.get("events", [])
        if any(word in str(e.get("message", "")).lower() for word in _ROLLBACK_WORDS)
        and (since is None or (e.get("createdAt") is not None and e["createdAt"] >= since))
    ]
    if rollbacks:
        problems.append(f"circuit-breaker rollback: {rollbacks[0].get('message', '')}")
    if problems:
        raise fail("; ".join(problems))
    return f"PRIMARY {_short(expected)} COMPLETED, running 1/1"


def check_target_health(ctx: Context) -> str:
    elbv2 = ctx.aws_clients.elbv2
    name = ctx.settings.names.target_group
    try:
        groups = elbv2.describe_target_groups(Names=[name])["TargetGroups"]
    except ClientError as exc:
        if "TargetGroupNotFound" in _error_code(exc):
            raise fail(f"no target group {name}") from None
        raise
    described = elbv2.describe_target_health(TargetGroupArn=groups[0]["TargetGroupArn"])
    targets = described["TargetHealthDescriptions"]
    if not targets:
        raise fail(f"target group {name} has no registered targets")
    bad = [
        f"{t['Target']['Id']}:{t['Target'].get('Port', '')} {t['TargetHealth']['State']}"
        + (f" ({t['TargetHealth'].get('Reason')})" if t["TargetHealth"].get("Reason") else "")
        for t in targets
        if t["TargetHealth"].get("State") != "healthy"
    ]
    if bad:
        raise fail(f"{len(bad)}/{len(targets)} targets not healthy: {'; '.join(bad)}")
    return f"{len(targets)}/{len(targets)} targets healthy in {name}"


def _parameters_under(ssm: Any, prefix: str, secrets: SecretBag) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(
        Path=prefix, Recursive=True, WithDecryption=True
    ):
        for parameter in page["Parameters"]:
            value = str(parameter.get("Value", ""))
            # A placeholder is no secret, and masking it would hide the finding itself.
            if parameter.get("Type") == "SecureString" and value.strip().upper() != PLACEHOLDER:
                secrets.add(value)
            found[parameter["Name"][len(prefix) + 1 :]] = parameter
    return found


def check_ssm_parameters(ctx: Context) -> str:
    prefix = ctx.settings.ssm_prefix
    found = _parameters_under(ctx.aws_clients.ssm, prefix, ctx.secrets)
    expected = names.SERVICE_PARAMETERS
    problems = []
    if missing := [k for k in expected if k not in found]:
        problems.append(f"missing: {', '.join(missing)}")
    if extra := sorted(k for k in found if k not in expected):
        problems.append(f"unexpected: {', '.join(extra)}")
    for key, want in expected.items():
        parameter = found.get(key)
        if parameter is None:
            continue
        if parameter.get("Type") != want.value:
            problems.append(f"{key} is {parameter.get('Type')}, expected {want.value}")
        # Only the verdict on the value is reported, never the value.
        value = str(parameter.get("Value", "")).strip()
        if not value:
            problems.append(f"{key} is empty")
        elif value.upper() == PLACEHOLDER:
            problems.append(f"{key} is still {PLACEHOLDER}")
    if problems:
        raise fail(f"under {prefix}: " + "; ".join(problems))
    return f"the {len(expected)} parameters under {prefix}, right types, none empty or {PLACEHOLDER}"


def check_image_scan(ctx: Context) -> str:
    tag = ctx.settings.image_tag
    if tag is None:
        raise skip("the stack builds its image from dixie:appSource; no image tag to look up")
    repository = ctx.settings.names.ecr_repository
    try:
        scan = ctx.aws_clients.ecr.describe_image_scan_findings(
            repositoryName=repository, imageId={"imageTag": tag}
        )
    except ClientError as exc:
        code = _error_code(exc)
        if code == "ScanNotFoundException":
            raise fail(f"{repository}:{tag} has no scan result") from None
        if code in ("ImageNotFoundException", "RepositoryNotFoundException"):
            raise fail(f"{repository}:{tag} not found in ECR ({code})") from None
        raise
    status = scan.get("imageScanStatus", {}).get("status")
    if status != "COMPLETE":
        raise fail(f"{repository}:{tag} scan {status}: {scan['imageScanStatus'].get('description', '')}")
    counts: dict[str, int] = scan.get("imageScanFindings", {}).get("findingSeverityCounts", {})
    floor = SEVERITIES.index(ctx.severity_threshold)
    over = {s: n for s, n in counts.items() if s in SEVERITIES and SEVERITIES.index(s) >= floor and n}
    tally = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no findings"
    if over:
        raise fail(f"{repository}:{tag}: {tally} (threshold {ctx.severity_threshold})")
    return f"{repository}:{tag}: {tally}; none at or above {ctx.severity_threshold}"


def _topic_arn(sns: Any, name: str) -> str | None:
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            arn = str(topic.get("TopicArn", ""))
            if arn.rsplit(":", 1)[-1] == name:
                return arn
    return None


def _confirmed_subscriptions(sns: Any, topic_arn: str) -> tuple[int, int]:
    """(confirmed, pending) subscriptions of the topic.

    ListSubscriptionsByTopic lists a subscription that the endpoint has not confirmed yet with the
    SubscriptionArn ``PendingConfirmation`` (and one being removed as ``Deleted``): only a real ARN
    delivers anything. (AWS SNS API reference, ListSubscriptionsByTopic / Subscription.)
    """
    confirmed = pending = 0
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn):
        for subscription in page.get("Subscriptions", []):
            arn = str(subscription.get("SubscriptionArn", ""))
            if arn.startswith("arn:"):
                confirmed += 1
            elif arn == "PendingConfirmation":
                pending += 1
    return confirmed, pending


def check_alarms(ctx: Context) -> str:
    """Every expected alarm exists with data and is not firing, and the topic reaches someone.

    INSUFFICIENT_DATA is a failure: the metric it watches is not published (the two-writer alarm
    without Container Insights, say), so the alarm cannot fire when it should.
    """
    prefix = f"{ctx.settings.service_name}-"
    alarms: list[dict[str, Any]] = []
    for page in ctx.aws_clients.cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    ):
        alarms += page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
    expected = [ctx.settings.names.alarm(role) for role in names.ALARM_ROLES]
    by_name = {a["AlarmName"]: a for a in alarms}
    problems = []
    if missing := [n for n in expected if n not in by_name]:
        problems.append(f"{len(missing)} of {len(expected)} alarms missing: {', '.join(missing)}")
    if firing := [a for a in alarms if a.get("StateValue") == "ALARM"]:
        problems.append(
            "in ALARM: " + "; ".join(f"{a['AlarmName']} ({a.get('StateReason', '')})" for a in firing)
        )
    if blind := [n for n in expected if by_name.get(n, {}).get("StateValue") == "INSUFFICIENT_DATA"]:
        problems.append(f"INSUFFICIENT_DATA (no metric data, cannot fire): {', '.join(blind)}")
    topic = ctx.settings.names.alarm_topic
    sns = ctx.aws_clients.sns
    topic_arn = _topic_arn(sns, topic)
    if topic_arn is None:
        problems.append(f"no SNS topic {topic}")
        subscribers = ""
    else:
        confirmed, pending = _confirmed_subscriptions(sns, topic_arn)
        subscribers = f"{confirmed} confirmed subscription(s) on {topic}"
        if not confirmed:
            waiting = f" ({pending} pending confirmation)" if pending else ""
            problems.append(f"topic {topic} has no confirmed subscription{waiting}: no alarm reaches anyone")
    if problems:
        raise fail("; ".join(problems))
    return f"all {len(expected)} alarms present with data, none in ALARM; {subscribers}"


def check_data_volume(ctx: Context) -> str:
    """Dixie's EFS file system is available with an available mount target in each private subnet.

    The file system is found by its creation token (the program sets it to the resource name),
    so a second, hand-made file system tagged with the same Name cannot stand in for it.
    """
    efs = ctx.aws_clients.efs
    token = ctx.settings.names.data_file_system
    systems = efs.describe_file_systems(CreationToken=token).get("FileSystems", [])
    if not systems:
        raise fail(f"no EFS file system with creation token {token}")
    system = systems[0]
    fs_id = system["FileSystemId"]
    problems = []
    if system.get("LifeCycleState") != "available":
        problems.append(f"{fs_id} is {system.get('LifeCycleState')}")
    targets: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        page = efs.describe_mount_targets(FileSystemId=fs_id, **({"Marker": marker} if marker else {}))
        targets += page.get("MountTargets", [])
        marker = page.get("NextMarker")
        if not marker:
            break
    by_subnet = {t.get("SubnetId"): t for t in targets}
    for subnet in ctx.settings.private_subnet_ids:
        target = by_subnet.get(subnet)
        if target is None:
            problems.append(f"no mount target in {subnet}")
        elif target.get("LifeCycleState") != "available":
            problems.append(f"mount target in {subnet} is {target.get('LifeCycleState')}")
    if problems:
        raise fail(f"EFS {token}: " + "; ".join(problems))
    count = len(ctx.settings.private_subnet_ids)
    return f"EFS {token} ({fs_id}) available, mount targets available in all {count} private subnets"


def check_nats_drift(ctx: Context) -> str:
    name = names.parameter_name(ctx.settings.environment, "NATS_URL")
    parameter = get_parameter(ctx.aws_clients.ssm, name)
    if parameter is None:
        raise fail(f"{name} does not exist")
    stored = str(parameter["Value"])
    if parameter.get("Type") == "SecureString":
        ctx.secrets.add(stored)
    nats = ctx.settings.nats
    ips = _nats.running_task_ips(ctx.aws_clients.ecs, ctx.settings.cluster, nats.service_name)
    if not ips:
        raise fail(f"no RUNNING task of {nats.service_name} in {ctx.settings.cluster}")
    source = _nats.judge_source(
        "NATS_URL", stored, ips, ctx.resolver, ctx.timeout, own_nameserver=ctx.own_nameserver
    )
    if source.unresolvable:
        raise skip(f"{name}: {source.problem}")
    if source.drifted:
        raise fail(
            f"{name} {stored}: {source.problem}; "
            f"see python -m scripts.discover_nats --stack {ctx.settings.stack}"
        )
    return f"{name} {stored} -> {', '.join(source.addresses)}, a running NATS task"


def check_finn_wiring(ctx: Context) -> str:
    name = ctx.settings.finn.base_url_parameter
    want = ctx.settings.base_url
    value = parameter_value(ctx.aws_clients.ssm, name)
    if value is None:
        raise fail(f"{name} is not set; run: {ctx.fix_finn}")
    if str(value).rstrip("/") != want:
        # A SecureString: say that it differs, not what it holds.
        raise fail(f"{name} does not hold {want}; run: {ctx.fix_finn}")
    return f"{name} = {want}"
