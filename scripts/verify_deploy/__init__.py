"""Prove a Dixie deploy (``--phase post``) or that one can start (``--phase preflight``).

A green ``pulumi up`` is not proof: after a circuit-breaker rollback the service is steady on the
*old* task definition and the update still reports success; the NATS address drifts whenever its
task restarts. Every check of the runbook's Tasks 2.6, 2.8 and 3.3 is one row of the registries
(:mod:`~scripts.verify_deploy.registry`), with a stable id (``--only``, JSON, tests). Checks run
concurrently; ``--wait`` re-runs the failing ones with backoff until they pass or time runs out.

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

Modules: :mod:`~scripts.verify_deploy.context` (the :class:`Context` every check gets, shared
constants and helpers), :mod:`~scripts.verify_deploy.http_checks` (DNS, Dixie's and Finn's
health), :mod:`~scripts.verify_deploy.aws_checks` (ECS rollout, targets, parameters, image scan,
alarms, data volume, NATS drift, Finn wiring), :mod:`~scripts.verify_deploy.database`
(migrations), :mod:`~scripts.verify_deploy.preflight` (what must exist before ``pulumi up``),
:mod:`~scripts.verify_deploy.registry` (the check registries) and
:mod:`~scripts.verify_deploy.cli` (``main``).
"""

from scripts.verify_deploy.cli import PROG, build_parser, main
from scripts.verify_deploy.context import DATABASE_URL_ENV, PLACEHOLDER, SEVERITIES, Context
from scripts.verify_deploy.registry import POST_CHECKS, PREFLIGHT_CHECKS, REGISTRY

__all__ = [
    "DATABASE_URL_ENV",
    "PLACEHOLDER",
    "POST_CHECKS",
    "PREFLIGHT_CHECKS",
    "PROG",
    "REGISTRY",
    "SEVERITIES",
    "Context",
    "build_parser",
    "main",
]
