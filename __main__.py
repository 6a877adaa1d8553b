"""Pulumi entry point: load the stack's settings, build the deployment, export the outputs."""

import pulumi

from dixie_infra.deployment import build
from dixie_infra.settings import from_pulumi_config

deployment = build(from_pulumi_config())
for key, value in deployment.outputs().items():
    pulumi.export(key, value)
