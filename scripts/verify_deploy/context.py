"""What every check of ``verify_deploy`` gets: the :class:`Context`, shared constants and helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import dns.resolver
import httpx
from botocore.exceptions import ClientError

from dixie_infra import names
from dixie_infra.settings import Settings
from scripts import _health
from scripts._aws import AwsClients
from scripts._checks import Once, SecretBag

SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
PLACEHOLDER = "PLACEHOLDER"
DATABASE_URL_ENV = "DIXIE_DATABASE_URL"
DATABASE_CA_FLAG = "--database-ca"
INSECURE_DATABASE_FLAG = "--insecure-local-database"


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
    #: --database-ca: the CA bundle the database's certificate is checked against.
    database_ca: Path | None = None
    #: --insecure-local-database: a database on this machine may get the password unproven.
    insecure_local_database: bool = False
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
