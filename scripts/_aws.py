"""AWS clients for the post-deploy tools, created once up front and handed to the code using them.

boto3 clients are thread-safe (sessions are not), so the checks that run concurrently share these.
Region and credentials are verified locally before any call, so a missing one is a usage error
(exit 2) instead of a dozen identical per-check failures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from scripts._cli import UsageError, aws_session

_REGION = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$")

SERVICES = ("ecs", "elbv2", "ssm", "ecr", "cloudwatch", "ec2", "rds")


@dataclass(frozen=True)
class AwsClients:
    ecs: Any
    elbv2: Any
    ssm: Any
    ecr: Any
    cloudwatch: Any
    ec2: Any
    rds: Any


def session_for(region: str) -> Any:
    if not _REGION.match(region):
        raise UsageError(f"--region {region!r} is not an AWS region such as us-east-1")
    session = aws_session(region)
    if session.get_credentials() is None:
        raise UsageError(
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
    return session


def clients(session: Any, *, timeout: float, services: tuple[str, ...] = SERVICES) -> AwsClients:
    """One client per service; the per-call timeout keeps a hung endpoint from hanging a check."""
    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    made = {name: session.client(name, config=config) for name in services}
    return AwsClients(**{name: made.get(name) for name in SERVICES})


def get_parameter(ssm: Any, name: str, *, decrypt: bool = True) -> dict[str, Any] | None:
    """The SSM parameter (``Name``, ``Type``, ``Value``, ...), or None when it does not exist.

    A decrypted value may be a secret: callers decide what of it may be shown.
    """
    try:
        return dict(ssm.get_parameter(Name=name, WithDecryption=decrypt)["Parameter"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise


def parameter_value(ssm: Any, name: str) -> str | None:
    """The decrypted value of an SSM parameter, or None when it does not exist."""
    found = get_parameter(ssm, name)
    return None if found is None else str(found["Value"])
