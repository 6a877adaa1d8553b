"""Prove a Dixie deploy (``--phase post``) or that one can start (``--phase preflight``).

A green ``pulumi up`` is not proof: after a circuit-breaker rollback the service is steady on the
*old* task definition and the update still reports success; the NATS address drifts whenever its
task restarts. Every check of the runbook's Tasks 2.6, 2.8 and 3.3 is one row of the registries
below, with a stable id (``--only``, JSON, tests). Checks run concurrently; ``--wait`` re-runs the
failing ones with backoff until they pass or time runs out.

A check skips only when what it needs cannot be reached *from here* (a database or a private DNS
name inside the VPC) or does not apply (a stack that builds its image from a checkout); the
verdict then names every check that was not verified. Anything else that stops a check (a wrong
password, a missing database, a malformed URL) fails it. Secret parameter values are read only to
test them for emptiness and ``PLACEHOLDER`` and are scrubbed from every output.

Every check gets ``--timeout`` seconds in all (scripts._checks); a health body is read up to
``_health.MAX_BODY_BYTES``. Text from peers is shown escaped (no terminal control sequence, no
rich markup) and ``--dixie-url``'s credentials never appear in any output.

The migrations check connects with ``DIXIE_DATABASE_URL`` when set, else with the
``DATABASE_URL`` parameter; from outside the VPC that usually is not reachable, so it skips.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import unquote, urlsplit

import dns.resolver
import httpx
from botocore.exceptions import ClientError

from dixie_infra import names
from dixie_infra.settings import Settings
from scripts import _health, _nats
from scripts._aws import AwsClients, clients, get_parameter, parameter_value, session_for
from scripts._checks import (
    Check,
    Once,
    SecretBag,
    fail,
    parse_only,
    report,
    run_until_passing,
    skip,
)
from scripts._cli import (
    EXIT_FAILED,
    EXIT_OK,
    OperationFailed,
    UsageError,
    new_parser,
    positive,
    progress,
    redact,
    region_for,
    register_secret,
    run_tool,
    stack_settings,
)

PROG = "python -m scripts.verify_deploy"
SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
PLACEHOLDER = "PLACEHOLDER"
DATABASE_URL_ENV = "DIXIE_DATABASE_URL"
# fullmatch over ASCII classes: "$" would let a trailing newline through and "\d" full-width digits.
_TASK_DEFINITION = re.compile(
    r"(?:arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/)?[A-Za-z0-9_-]{1,255}:[0-9]{1,9}"
)
_ROLLBACK_WORDS = ("rolling back", "rolled back", "circuit breaker")
#: Longest a check may take (--timeout) and longest --wait may retry: beyond these a typo ("5000"),
#: not a plan. inf and nan are refused too: they would retry forever or compare false to any bound.
MAX_TIMEOUT = 300.0
MAX_WAIT = 3600.0
MAX_LATENCY_MS = 60_000.0
#: ECS cluster settings that mean Container Insights publishes ECS/ContainerInsights metrics.
CONTAINER_INSIGHTS_ON = ("enabled", "enhanced")
#: Share of --timeout one call may use (see Context.timeout). Not closer to 1: dnspython overshoots
#: its lifetime by up to one retry backoff (measured: 0.5 s for a 0.4 s lifetime).
CALL_SHARE = 0.6


@dataclass(frozen=True)
class Context:
    """Everything a check may use; built once per round so cached peer answers are fresh."""

    settings: Settings
    dixie_url: str
    finn_url: str
    http: httpx.Client
    resolver: dns.resolver.Resolver
    aws: Once[AwsClients] | None
    expected_task_definition: str | None
    latency_ms: float
    #: Budget of one HTTP, DNS, database or AWS call: a share of the check's --timeout, so a call
    #: that times out still leaves the check time to say which call it was.
    timeout: float
    severity_threshold: str
    secrets: SecretBag
    database_url: str | None = field(default=None, repr=False)
    #: True when --nameserver names the resolver: a name it cannot resolve is then really missing.
    own_nameserver: bool = False
    dixie_health: Once[_health.HttpAnswer] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        fetch = partial(_health.get_json, self.http, self.dixie_url + names.HEALTH_PATH, self.timeout)
        object.__setattr__(self, "dixie_health", Once(fetch))

    @property
    def aws_clients(self) -> AwsClients:
        assert self.aws is not None, "AWS clients are created whenever an AWS check is selected"
        return self.aws.get()

    @property
    def fix_finn(self) -> str:
        return f"python -m scripts.wire_finn --stack {self.settings.stack}"


def _short(task_definition: str) -> str:
    """``family:revision`` of an ARN (or of ``family:revision`` itself)."""
    return task_definition.rsplit("/", 1)[-1]


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# --- post-deploy checks ---------------------------------------------------------------------------


def check_dns(ctx: Context) -> str:
    host = ctx.settings.hostname
    try:
        addresses = _nats.resolve(ctx.resolver, host, ctx.timeout)
    except LookupError as exc:
        raise fail(str(exc)) from None
    alb = ctx.settings.alb.dns_name
    try:
        alb_addresses = _nats.resolve(ctx.resolver, alb, ctx.timeout)
    except LookupError as exc:
        raise fail(f"{host} -> {', '.join(addresses)}, but the ALB name: {exc}") from None
    stray = sorted(set(addresses) - set(alb_addresses))
    if stray:
        raise fail(
            f"{host} -> {', '.join(addresses)}; {', '.join(stray)} is not an address of the ALB "
            f"{alb} ({', '.join(alb_addresses)})"
        )
    return f"{host} -> {', '.join(addresses)} (the ALB's addresses)"


def check_dixie_health(ctx: Context) -> str:
    return _health.judge_dixie_status(ctx.dixie_health.get())


def check_finn_circuit(ctx: Context) -> str:
    return _health.judge_finn_circuit(ctx.dixie_health.get(), ctx.latency_ms)


def check_infrastructure(ctx: Context) -> str:
    return _health.judge_infrastructure(ctx.dixie_health.get())


def check_governance(ctx: Context) -> str:
    return _health.judge_governance(ctx.dixie_health.get())


def check_finn_health(ctx: Context) -> str:
    return _health.judge_finn_health(_health.get_json(ctx.http, ctx.finn_url + "/health", ctx.timeout))


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


def _database_url(ctx: Context) -> str | None:
    if ctx.database_url:
        return ctx.database_url
    name = names.parameter_name(ctx.settings.environment, "DATABASE_URL")
    value = parameter_value(ctx.aws_clients.ssm, name)
    if value is not None:
        ctx.secrets.add(value)
    return value


def check_migrations(ctx: Context) -> str:
    """Only a database that cannot be reached from this network skips; anything else that stops
    the comparison (no URL, a malformed one, a wrong password, a missing database) fails."""
    from scripts import migrations, pgurl

    url = _database_url(ctx)
    if not url or url.strip().upper() == PLACEHOLDER:
        raise fail(f"no database URL to check with (set {DATABASE_URL_ENV} or the DATABASE_URL parameter)")
    try:
        target = pgurl.parse_url(url, label="the database URL")
    except UsageError as exc:
        raise fail(f"malformed: {redact(str(exc), [url])}") from None
    unreachable = pgurl.unreachable_reason(target.host, target.port, ctx.timeout)
    if unreachable:
        raise skip(f"database not reachable from this network: {unreachable}")
    try:
        conn = migrations.connect(target, connect_timeout=ctx.timeout)
    except (OperationFailed, UsageError) as exc:
        raise fail(redact(str(exc), [url, target.password])) from None
    with conn:
        result = migrations.check_migrations(conn)
    if result.ok:
        return f"all {len(names.EXPECTED_MIGRATIONS)} expected migrations applied"
    if result.table_missing:
        raise fail("table _migrations does not exist: Dixie has not run its migrations")
    problems = []
    if result.missing:
        problems.append(f"missing: {', '.join(result.missing)}")
    if result.extra:
        problems.append(f"unexpected: {', '.join(result.extra)}")
    raise fail("; ".join(problems) or "migrations do not match")


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


# --- preflight checks -----------------------------------------------------------------------------


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
    raise fail(
        f"Container Insights is {value or 'not set'} on {cluster}: the desired-count-drift alarm "
        "has no RunningTaskCount to read (ask the cluster's owner to enable it)"
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


# --- command line ---------------------------------------------------------------------------------


def _epilog() -> str:
    lines = ["checks of --phase post:"]
    lines += [f"  {c.id:<20} {c.summary}" for c in POST_CHECKS]
    lines += ["checks of --phase preflight:"]
    lines += [f"  {c.id:<20} {c.summary}" for c in PREFLIGHT_CHECKS]
    lines += [
        "",
        f"The migrations check connects with ${DATABASE_URL_ENV} when set, else with the",
        "DATABASE_URL parameter. It skips only when the database is not reachable from this",
        "network; a wrong password, a missing database or a malformed URL fail it. nats-drift",
        "skips when the NATS name does not resolve here and --nameserver is not given.",
        "The verdict lists every check that was not verified (skipped) and why.",
        f"Every check gets --timeout seconds in all (at most {MAX_TIMEOUT:g}); --wait at most {MAX_WAIT:g}.",
        "exit codes: 0 every check passed or skipped, 1 a check failed, 2 bad usage or input",
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        PROG,
        "Verify a Dixie deploy: DNS, health, Finn, ECS rollout, targets, parameters, image scan, "
        "alarms, migrations, NATS drift and Finn wiring, concurrently, with one verdict.",
        _epilog(),
    )
    parser.add_argument(
        "--phase",
        choices=tuple(REGISTRY),
        default="post",
        help="which checks (default: %(default)s)",
    )
    parser.add_argument(
        "--only", metavar="ID[,ID...]", help="run only these checks (default: all of the phase)"
    )
    parser.add_argument(
        "--dixie-url", metavar="URL", help="Dixie's base URL (default: https://<stack hostname>)"
    )
    parser.add_argument(
        "--finn-url", metavar="URL", help="Finn's base URL (default: the stack's dixie:finn.url)"
    )
    parser.add_argument(
        "--expected-task-definition",
        metavar="ARN",
        help="task definition the PRIMARY deployment must run "
        "(default: the newest ACTIVE revision of the family)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=50.0,
        help="Finn latency limit in ms (default: %(default)g)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        help="seconds each check may take in all, every HTTP, DNS, database or AWS call in it "
        "included (default: %(default)g)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="re-run failing checks with backoff for up to this long (default: %(default)g, no retries)",
    )
    parser.add_argument(
        "--severity-threshold",
        choices=SEVERITIES,
        default="CRITICAL",
        help="image-scan fails on findings at or above this severity (default: %(default)s)",
    )
    parser.add_argument(
        "--nameserver",
        metavar="IP[:PORT]",
        help="resolve through this DNS server (default: the system resolver)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    secrets = SecretBag()

    def body() -> int:
        args = build_parser().parse_args(argv)
        timeout = positive(args.timeout, "--timeout", maximum=MAX_TIMEOUT)
        wait = positive(args.wait, "--wait", maximum=MAX_WAIT, allow_zero=True)
        latency = positive(args.latency_ms, "--latency-ms", maximum=MAX_LATENCY_MS)
        call_budget = round(timeout * CALL_SHARE, 3)
        registry = REGISTRY[args.phase]
        try:
            checks = parse_only(args.only, registry)
        except ValueError as exc:
            raise UsageError(f"--only: {exc} (phase {args.phase})") from None
        try:
            dixie_url = _health.check_http_url(args.dixie_url, "--dixie-url") if args.dixie_url else None
            finn_url = _health.check_http_url(args.finn_url, "--finn-url") if args.finn_url else None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        for given in (dixie_url, finn_url):
            parts = urlsplit(given) if given else None
            if parts is not None:
                register_secret(unquote(parts.password) if parts.password else None)
                register_secret(parts.password)
                if parts.password is None and parts.username:
                    # https://<token>@host: a user name alone is the credential.
                    register_secret(parts.username)
        expected = args.expected_task_definition
        if expected is not None and not _TASK_DEFINITION.fullmatch(expected):
            raise UsageError(
                f"--expected-task-definition {expected!r} is not a task definition ARN or family:revision"
            )
        settings = stack_settings(args.stack)
        aws: Once[AwsClients] | None = None
        if any(c.needs_aws for c in checks):
            session = session_for(region_for(args, settings))
            # Building clients loads service models: a few hundred ms of CPU, seconds on a busy
            # machine. The engine builds them (before_aws) after the DNS and HTTP checks have
            # started, and before the AWS checks' limits start running.
            aws = Once(partial(clients, session, timeout=call_budget))
        database_url = os.environ.get(DATABASE_URL_ENV) or None
        secrets.add(database_url)
        try:
            resolver = _nats.make_resolver(args.nameserver, call_budget)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        # TLS verification stays on: a certificate problem on the public hostname is a failure.
        with httpx.Client(
            verify=True, follow_redirects=False, headers={"user-agent": "dixie-infra verify_deploy"}
        ) as http:

            def new_context() -> Context:
                return Context(
                    settings=settings,
                    dixie_url=dixie_url or settings.base_url,
                    finn_url=finn_url or settings.finn.url.rstrip("/"),
                    http=http,
                    resolver=resolver,
                    aws=aws,
                    expected_task_definition=expected,
                    latency_ms=latency,
                    timeout=call_budget,
                    severity_threshold=args.severity_threshold,
                    secrets=secrets,
                    database_url=database_url,
                    own_nameserver=args.nameserver is not None,
                )

            context = new_context()
            progress(
                f"verify_deploy: {len(checks)} {args.phase} checks of stack {settings.stack} "
                f"({_health.masked_url(context.dixie_url)})"
            )
            results = run_until_passing(
                checks,
                new_context,
                wait_seconds=wait,
                limit=timeout,
                secrets=secrets.values,
                before_aws=(lambda: aws.get().warm()) if aws is not None else None,
            )
        ok = report(
            results,
            title=f"verify_deploy --phase {args.phase} (stack {settings.stack})",
            as_json=args.json,
            extra={
                "tool": "verify_deploy",
                "stack": settings.stack,
                "phase": args.phase,
                "dixieUrl": _health.masked_url(context.dixie_url),
                "finnUrl": _health.masked_url(context.finn_url),
            },
        )
        return EXIT_OK if ok else EXIT_FAILED

    return run_tool(PROG, body, secrets.values)


if __name__ == "__main__":
    raise SystemExit(main())
