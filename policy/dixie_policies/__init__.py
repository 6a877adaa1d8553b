"""Dixie's policy pack: the policies that guard security and the service's invariants.

``POLICIES`` is every policy, resource and stack policies alike. ``policy/__main__.py`` hands them
to ``PolicyPack`` (which starts a server and blocks, so nothing else may construct it); the offline
plan and the tests call them directly through ``dixie_infra.offline.policies``.

Imports only pulumi-policy and the standard library: the CLI installs ``requirements.txt`` into a
virtualenv of its own and runs the pack from inside ``policy/``.
"""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    ecr,
    ecs,
    efs,
    elasticache,
    iam,
    iam_roles,
    naming,
    network,
    observability,
    resource_policies,
    ssm,
)

PACK_NAME = "dixie-guardrails"

POLICIES: list[Policy] = [
    *ecs.POLICIES,
    *ssm.POLICIES,
    *iam.POLICIES,
    *iam_roles.POLICIES,
    *resource_policies.POLICIES,
    *ecr.POLICIES,
    *elasticache.POLICIES,
    *efs.POLICIES,
    *network.POLICIES,
    *naming.POLICIES,
    *observability.POLICIES,
]

__all__ = ["PACK_NAME", "POLICIES"]
