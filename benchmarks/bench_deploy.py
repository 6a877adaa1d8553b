"""What a deploy costs in time: the outage of one routine deploy, and the critical path of a
first ``pulumi up`` on the program's registered dependency graph.

The outage model is :mod:`dixie_infra.timing` (deregistration delay + task start + healthy
threshold x interval), printed beside the terraform split's settings.

The critical path uses typical creation times per resource type (AWS's documented or commonly
observed figures, not measurements: nothing here reaches AWS) over the dependency graph the
engine receives. It is printed twice, with and without the data volume's resources, to show the
volume adds nothing to the path: it is built while Redis is.
"""

from __future__ import annotations

from dixie_infra import timing
from dixie_infra.offline import STACK_TYPE, Evaluation, Resource, evaluate, stack_config

#: Seconds to create one resource of a type (typical, AWS-side). Anything unlisted: 5 s.
CREATE_SECONDS: dict[str, float] = {
    # ElastiCache: "10-15 minutes" for a new replication group.
    "aws:elasticache/replicationGroup:ReplicationGroup": 12 * 60,
    # EFS: the file system is available in seconds, each mount target in about 90 s.
    "aws:efs/fileSystem:FileSystem": 10,
    "aws:efs/mountTarget:MountTarget": 90,
    # wait_for_steady_state: start one task and pass the ALB's healthy threshold.
    "aws:ecs/service:Service": timing.TASK_START_SECONDS
    + timing.TARGET_HEALTH.healthy_threshold * timing.TARGET_HEALTH.interval,
    "aws:iam/role:Role": 10,
    "aws:lb/targetGroup:TargetGroup": 5,
    "aws:route53/record:Record": 60,
}
DEFAULT_SECONDS = 5.0


def critical_path(evaluation: Evaluation, skip: frozenset[str] = frozenset()) -> tuple[float, list[Resource]]:
    """(seconds, resources) of the longest chain of creations; ``skip`` types cost nothing."""
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for resource in evaluation.resources:  # registration order is a topological order
        if resource.type == STACK_TYPE:
            continue
        cost = (
            0.0
            if not resource.custom or resource.type in skip
            else CREATE_SECONDS.get(resource.type, DEFAULT_SECONDS)
        )
        before = [(finish[u], u) for u in evaluation.waits_for(resource) if u in finish]
        start, previous = max(before, default=(0.0, None))
        finish[resource.urn] = start + cost
        via[resource.urn] = previous
    end = max(finish, key=lambda urn: finish[urn])
    chain: list[Resource] = []
    cursor: str | None = end
    while cursor is not None:
        resource = evaluation.by_urn(cursor)
        if resource.custom:
            chain.append(resource)
        cursor = via[cursor]
    return finish[end], list(reversed(chain))


def main() -> None:
    ours, split = timing.TARGET_HEALTH, timing.TERRAFORM
    print(
        "deploy outage (stop-before-start) = deregistration delay + task start + healthy threshold x interval"
    )
    for label, t in (("terraform split", split), ("dixie-infra", ours)):
        print(
            f"  {label:16} {t.deregistration_delay:>3} + {timing.TASK_START_SECONDS} + "
            f"{t.healthy_threshold} x {t.interval:>2} = {t.deploy_downtime:>3} s"
            f"   (health-check timeout {t.timeout} s vs endpoint worst case {timing.HEALTH_WORST_CASE_SECONDS} s)"
        )
    print(f"  target <= 80 s: {'met' if ours.deploy_downtime <= 80 else 'NOT met'}")
    print(
        f"  not modelled: up to {timing.STOP_SECONDS} s more while the old task drains on SIGTERM "
        f"({ours.deploy_downtime + timing.STOP_SECONDS} s at worst); a Redis that drops packets can hold /api/health ~30 s"
    )
    problems = timing.check_invariants()
    print(f"  health-check invariants: {'hold' if not problems else '; '.join(problems)}")
    print(
        f"  unhealthy-hosts alarm: {timing.UNHEALTHY_HOSTS_EVALUATION_PERIODS} x {timing.UNHEALTHY_HOSTS_PERIOD} s "
        f"(quiet through outages up to {timing.DEPLOY_DOWNTIME_TOLERANCE} s)"
    )

    config, secret_keys = stack_config("armitage")
    evaluation = evaluate("armitage", config, secret_keys=secret_keys)
    total, chain = critical_path(evaluation)
    without, _ = critical_path(
        evaluation, skip=frozenset(t for t in CREATE_SECONDS if t.startswith("aws:efs/"))
    )
    print(f"first `pulumi up` critical path (typical creation times): {total / 60:.1f} min")
    for resource in chain:
        cost = CREATE_SECONDS.get(resource.type, DEFAULT_SECONDS)
        print(f"  {cost:>5.0f} s  {resource.type.split(':')[1]:32} {resource.name}")
    print(
        f"  the same path with the data volume costing nothing: {without / 60:.1f} min "
        f"({'unchanged: built beside Redis' if abs(total - without) < 1e-6 else 'the volume lengthens it'})"
    )
