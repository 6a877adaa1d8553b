"""How long a deploy of Dixie is an outage, and the health-check timings that follow from it.

Dixie is a single writer: the ECS service runs at most one task (maximum 100 %, minimum 0 %), so
every deploy stops the old task before it starts the new one. The outage lasts

    deregistration delay + task start + healthy threshold x health-check interval

(the old target drains, the new task starts, the ALB needs ``healthy threshold`` passing checks
``interval`` apart before it routes to it). The terraform split's settings (30 + 45 + 2 x 30) made
that 135 s. The settings below bring it to 80 s.

The constraint from the app (loa-dixie ``app/src/routes/health.ts``): ``GET /api/health`` asks
Finn (``proxy/finn-client.ts``: 5 s request timeout), then PostgreSQL (``db/client.ts``: 5 s
connection timeout), then pings Redis, one after another, and answers 200 even when degraded. A
health-check timeout at or below that worst case turns a hanging Finn into an "unhealthy" Dixie
and a restart loop, so both the ALB's and the container's timeouts exceed it, and each interval
exceeds its timeout (the ALB refuses an interval that does not).

Two things the model leaves out, stated so nobody reads it as a guarantee:

- the stop: with maximum 100 % the new task starts only once the old one has stopped, and the
  app's SIGTERM handler drains for up to 10 s before it forces an exit (``app/src/index.ts``), so
  a deploy can be up to :data:`STOP_SECONDS` longer than the model;
- a dead Redis: the worst case below assumes a live Redis connection. ioredis is built without a
  ``commandTimeout`` (``app/src/services/redis-client.ts``: default 10 s connect timeout, three
  retries per request), so against a Redis that drops packets a PING can wait about 30 s, and
  ``SELECT 1`` has no statement timeout. No health-check timeout that keeps a deploy near 80 s
  covers that; the fix belongs in the app (a command timeout).

Pure data and arithmetic: no pulumi import. The target group, the container definition, the
``unhealthy-hosts`` alarm and ``make bench`` all read from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Finn's request timeout + PostgreSQL's connection timeout + a live Redis PING (sub-second; a
#: second allowed). The endpoint's sequential worst case, in seconds.
FINN_TIMEOUT_SECONDS = 5
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
REDIS_PING_ALLOWANCE_SECONDS = 1
HEALTH_WORST_CASE_SECONDS = (
    FINN_TIMEOUT_SECONDS + POSTGRES_CONNECT_TIMEOUT_SECONDS + REDIS_PING_ALLOWANCE_SECONDS
)

#: Pull, start, connect: the model's fixed task-start time.
TASK_START_SECONDS = 45
#: Not in the model: the old task's SIGTERM drain before the app forces its exit.
STOP_SECONDS = 10


@dataclass(frozen=True)
class TargetHealth:
    """The target group's side of a deploy: draining and health-check settings."""

    deregistration_delay: int
    interval: int
    timeout: int
    healthy_threshold: int
    unhealthy_threshold: int

    @property
    def deploy_downtime(self) -> int:
        """Seconds without a healthy target during one stop-before-start deploy."""
        return self.deregistration_delay + TASK_START_SECONDS + self.healthy_threshold * self.interval


#: What the terraform split set (deregistration 30, interval 30, timeout 5, thresholds 2/3).
TERRAFORM = TargetHealth(
    deregistration_delay=30, interval=30, timeout=5, healthy_threshold=2, unhealthy_threshold=3
)

#: Ours. Deregistration 5 s: with one task there is nothing to fail over to, and Dixie's requests
#: are short; a longer drain only lengthens the outage. Interval 15 s and 2 passing checks (the
#: ALB's minimum) put the new task in service 30 s after it answers; timeout 12 s exceeds the
#: health endpoint's 11 s worst case. Three failures in a row (45 s) still mark a dead task.
TARGET_HEALTH = TargetHealth(
    deregistration_delay=5, interval=15, timeout=12, healthy_threshold=2, unhealthy_threshold=3
)

#: The container health check (ECS): same timeout rule; a failing task is replaced by ECS, so it
#: may be slower to judge than the ALB. startPeriod covers start-up and the migrations.
CONTAINER_HEALTH_INTERVAL = 30
CONTAINER_HEALTH_TIMEOUT = 15
CONTAINER_HEALTH_RETRIES = 3
CONTAINER_HEALTH_START_PERIOD = 60

#: Downtime the unhealthy-hosts alarm must sit out before it speaks: twice the modelled deploy
#: (an image pull from a cold cache or a slow migration can double the start).
DEPLOY_DOWNTIME_TOLERANCE = 2 * TARGET_HEALTH.deploy_downtime
UNHEALTHY_HOSTS_PERIOD = 60


def periods_touched(outage_seconds: int, period: int = UNHEALTHY_HOSTS_PERIOD) -> int:
    """The most metric periods an outage of this length can fall into.

    HealthyHostCount's Minimum is below 1 in every period the outage touches, however briefly:
    an outage of ``d`` seconds can straddle ``ceil(d / period) + 1`` period boundaries' worth of
    buckets (80 s starting at :50 touches three one-minute buckets).
    """
    return math.ceil(outage_seconds / period) + 1


#: One period more than a tolerated deploy can breach, so a routine deploy never fills the window.
UNHEALTHY_HOSTS_EVALUATION_PERIODS = periods_touched(DEPLOY_DOWNTIME_TOLERANCE) + 1


def check_invariants(target: TargetHealth = TARGET_HEALTH) -> list[str]:
    """What is wrong with a set of timings; empty when the health checks cannot kill a slow Dixie."""
    problems = []
    if target.timeout <= HEALTH_WORST_CASE_SECONDS:
        problems.append(
            f"ALB health-check timeout {target.timeout} s does not exceed the health endpoint's worst case {HEALTH_WORST_CASE_SECONDS} s"
        )
    if target.interval <= target.timeout:
        problems.append(f"ALB interval {target.interval} s must exceed its timeout {target.timeout} s")
    if CONTAINER_HEALTH_TIMEOUT <= HEALTH_WORST_CASE_SECONDS:
        problems.append(
            f"container health-check timeout {CONTAINER_HEALTH_TIMEOUT} s does not exceed {HEALTH_WORST_CASE_SECONDS} s"
        )
    if CONTAINER_HEALTH_INTERVAL <= CONTAINER_HEALTH_TIMEOUT:
        problems.append("container health-check interval must exceed its timeout")
    return problems
