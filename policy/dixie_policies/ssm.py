"""SSM Parameter Store policies: the service's parameters live under its prefix, secrets encrypted.

No AWS Foundational Security Best Practices control covers parameter types; checkov's CKV2_AWS_34
does. The prefix is what the execution role may read, so a parameter outside it is either
unreadable by the task or a sign the role was widened.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, Severity

from ._support import MANDATORY, SSM_PARAMETER, config_schema, looks_secret, resource_policy, ssm_prefix
from .ecs import SSM_PREFIX_SCHEMA


def _under_prefix(args: ResourceValidationArgs) -> Iterator[str]:
    prefix = ssm_prefix(args.get_config(), args.urn)
    name = args.props.get("name")
    if not isinstance(name, str) or not name.startswith(prefix + "/"):
        yield "name must be set explicitly under the service's SSM prefix"


def _secure_string(args: ResourceValidationArgs) -> Iterator[str]:
    name = args.props.get("name")
    if not isinstance(name, str):
        return
    if not looks_secret(name.rsplit("/", 1)[-1], args.get_config().get("secretNames", [])):
        return
    if args.props.get("type") != "SecureString":
        yield "type must be SecureString for a secret-looking parameter"
    if args.props.get("insecureValue") is not None:
        yield "insecureValue must not hold a secret-looking parameter (it is stored and shown in plain text)"


POLICIES = [
    resource_policy(
        "ssm-parameter-under-prefix",
        "Every SSM parameter is named under the service's prefix (config ssmPrefix; default "
        "/<project>/<stack>).",
        controls=("project",),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[SSM_PARAMETER],
        check=_under_prefix,
        schema=config_schema(ssmPrefix=SSM_PREFIX_SCHEMA),
    ),
    resource_policy(
        "ssm-secrets-are-securestring",
        "Parameters whose names look like secrets (password, token, key, credential, database or "
        "Redis URL) are SecureString and never use insecureValue.",
        controls=("CKV2_AWS_34",),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=[SSM_PARAMETER],
        check=_secure_string,
        schema=config_schema(
            secretNames={
                "type": "array",
                "items": {"type": "string"},
                "description": "More secret parameter names.",
            }
        ),
    ),
]
