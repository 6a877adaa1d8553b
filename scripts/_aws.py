"""AWS clients for the post-deploy tools, each made once on first use and handed to the code using it.

boto3 clients are thread-safe (sessions are not), so the checks that run concurrently share these.
Region and credentials are verified locally before any call, so a missing one is a usage error
(exit 2) instead of a dozen identical per-check failures.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from scripts._cli import UsageError, aws_session

SERVICES = ("ecs", "elbv2", "ssm", "ecr", "cloudwatch", "ec2", "rds", "sns", "efs")


class AwsClients:
    """One client per service, made on first use: a client loads its service model (tens of ms
    of CPU each), and a check should not pay for services it never calls. Creation is serialised
    because a boto3 session is not thread-safe; the clients themselves are."""

    def __init__(self, session: Any, config: Config, services: tuple[str, ...] = SERVICES):
        self._session = session
        self._config = config
        self._services = services
        self._made: dict[str, Any] = {}
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Make every client now (see scripts._checks.run_checks, ``before_aws``)."""
        for name in self._services:
            self._client(name)

    def _client(self, name: str) -> Any:
        if name not in self._services:
            raise AttributeError(f"no {name} client was asked for")
        with self._lock:
            if name not in self._made:
                self._made[name] = self._session.client(name, config=self._config)
            return self._made[name]

    @property
    def ecs(self) -> Any:
        return self._client("ecs")

    @property
    def elbv2(self) -> Any:
        return self._client("elbv2")

    @property
    def ssm(self) -> Any:
        return self._client("ssm")

    @property
    def ecr(self) -> Any:
        return self._client("ecr")

    @property
    def cloudwatch(self) -> Any:
        return self._client("cloudwatch")

    @property
    def ec2(self) -> Any:
        return self._client("ec2")

    @property
    def rds(self) -> Any:
        return self._client("rds")

    @property
    def sns(self) -> Any:
        return self._client("sns")

    @property
    def efs(self) -> Any:
        return self._client("efs")


@cache
def known_regions() -> frozenset[str]:
    """Every region botocore's endpoint data knows in any partition (opt-in regions included).

    A pattern would pass ``us-east-9`` and a trailing newline; an unknown region otherwise shows up
    only as a DNS failure or an HTML error page from a non-existent endpoint, per check.
    """
    import boto3

    session = boto3.session.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for service in ("ssm", "ecs")
        for region in session.get_available_regions(service, partition_name=partition)
    )


def check_region(region: str) -> str:
    if region not in known_regions():
        raise UsageError(f"unknown region {region!r}; expected an AWS region such as us-east-1")
    return region


def session_for(region: str) -> Any:
    session = aws_session(check_region(region))
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
    return AwsClients(session, config, services)


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
