"""Violation messages name the resource and the property, never a value: props hold secrets in
plain text (the analyzer unwraps them before the policies see them)."""

from __future__ import annotations

import base64
import json

import pytest

from dixie_infra.offline.policies import check_resources
from tests.policy.support import container, messages, redis, resource, secret, task_definition

PASSWORD = "correct-horse-battery-staple-1234"
TOKEN = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def leaky_resources() -> list:
    parameter = resource(
        "aws:ssm/parameter:Parameter",
        "parameters-database-password",
        {
            "name": "/elsewhere/DB_PASSWORD",
            "type": "String",
            "value": secret(PASSWORD),
            "insecureValue": PASSWORD,
            "description": "DB \u2014 pw",
        },
    )
    environment = [
        {"name": "DB_PASSWORD", "value": PASSWORD},
        {"name": "UPSTREAM", "value": f"postgresql://dixie:{PASSWORD}@db.local:5432/dixie"},
    ]
    definition = task_definition(container(environment=environment, image=f"registry/app:{TOKEN}x:latest"))
    cache = redis(authToken=TOKEN, transitEncryptionEnabled=False, description=f"auth {TOKEN} \u2014")
    document = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Sid": PASSWORD}]}
    )
    policy = resource(
        "aws:iam/rolePolicy:RolePolicy", "leaky-policy", {"role": "r", "policy": secret(document)}
    )
    return [parameter, definition, cache, policy]


def test_secret_values_never_appear_in_violation_messages() -> None:
    findings = check_resources(leaky_resources())
    assert {f.policy for f in findings} >= {
        "ssm-secrets-are-securestring",
        "ssm-parameter-under-prefix",
        "taskdef-no-plaintext-secrets",
        "elasticache-encryption",
        "descriptions-ascii",
        "iam-no-wildcard-actions",
    }
    for finding in findings:
        assert PASSWORD not in finding.message
        assert TOKEN not in finding.message


def test_plaintext_secret_message_names_the_variable_not_its_value() -> None:
    findings = [f for f in check_resources(leaky_resources()) if f.policy == "taskdef-no-plaintext-secrets"]
    assert [f.message for f in findings] == [
        "TaskDefinition 'service-task': containerDefinitions[0] (dixie-bff).environment DB_PASSWORD looks like a secret: "
        "pass it in secrets[].valueFrom",
        "TaskDefinition 'service-task': containerDefinitions[0] (dixie-bff).environment UPSTREAM holds a URL with a "
        "password: pass it in secrets[].valueFrom",
    ]


def test_secure_string_message_names_the_parameter_property() -> None:
    findings = [f for f in check_resources(leaky_resources()) if f.policy == "ssm-secrets-are-securestring"]
    assert [f.message for f in findings] == [
        "Parameter 'parameters-database-password': type must be SecureString for a secret-looking parameter",
        "Parameter 'parameters-database-password': insecureValue must not hold a secret-looking parameter "
        "(it is stored and shown in plain text)",
    ]


# --- secrets under neutral names, judged by the value's shape ---------------------------------

#: Fixed, generated once with ``secrets.token_urlsafe`` / ``token_bytes``: random-looking, not real.
RANDOM_URLSAFE = "qcSboTQmuJvi3vyukCDtdyvMs50Wz-t7JDozzp7B3jk"
RANDOM_BASE64 = "hocOb6l6jEwAMcpcL86Z0anNyP2ZrUnEO6XSPTw1"
PEM_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----"

SECRET_VALUES = [
    ("a URL with a password", "postgresql://dixie:s3cret@db.internal:5432/dixie"),
    ("a URL with a password", "rediss://:token-value@master.dixie.cache.amazonaws.com:6379"),
    ("a URL with a credential in its query", "https://hooks.example.com/notify?token=abc123def"),
    ("a URL with a credential in its query", "https://bucket.s3.amazonaws.com/x?X-Amz-Signature=0f1e2d"),
    ("a private key (PEM)", PEM_KEY),
    ("a private key (PEM)", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA"),
    ("a private key (PEM)", base64.b64encode(PEM_KEY.encode()).decode()),
    ("a JSON Web Token", "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkaXhpZSIsImlhdCI6MTcwMH0.c2lnbmF0dXJl"),
    ("a JSON Web Token", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYWRtaW4ifQ.abc"),
    ("an AWS access key id", "AKIAIOSFODNN7EXAMPLE"),
    ("an AWS access key id", "ASIAQWERTYUIOPASDFGH"),
    ("a vendor API token", "ghp_" + "Ab1" * 12),
    ("a vendor API token", "xoxb-1234567890-abcdefghij"),
    ("a hex key of 32 or more characters", "3c7b6297cc920fd4396e0572b523f7ef"),
    ("a hex key of 32 or more characters", "0x" + "9f" * 32),
    ("a long high-entropy token", RANDOM_URLSAFE),
    ("a long high-entropy token", RANDOM_BASE64),
    ("a long high-entropy token", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
]

#: Values a container legitimately carries; the first six are the program's own environment.
ORDINARY_VALUES = [
    "production",
    "3001",
    "armitage",
    "/data/allowlist.json",
    "http://tempo.arrakis.local:4317",
    "b9979307d748",  # DIXIE_CONFIG_REVISION: 12 hex characters
    "https://finn.arrakis.community/api/v1?page=2&limit=50",
    "wss://finn.arrakis.community/ws",
    "arn:aws:ssm:us-east-1:891376933289:parameter/dixie/armitage/FINN_URL",
    "891376933289.dkr.ecr.us-east-1.amazonaws.com/dixie-armitage@sha256:" + "a1" * 32,
    "dixie-armitage-ecs-task-execution",
    "DixieArmitageEcsTaskExecutionRole",
    "ApplicationConfigurationVersion2024",
    "123e4567-e89b-12d3-a456-426614174000",
    "/usr/local/lib/node_modules/dixie/dist/server.js",
    "info,dixie=debug",
    "--max-old-space-size=384",
    "",
]


@pytest.mark.parametrize(
    ("kind", "value"), SECRET_VALUES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(SECRET_VALUES)]
)
def test_secret_shaped_values_under_neutral_names_are_refused(kind: str, value: str) -> None:
    definition = task_definition(container(environment=[{"name": "UPSTREAM_SETTING", "value": value}]))
    assert messages("taskdef-no-plaintext-secrets", definition) == [
        f"TaskDefinition 'service-task': containerDefinitions[0] (dixie-bff).environment UPSTREAM_SETTING "
        f"holds {kind}: pass it in secrets[].valueFrom"
    ]


@pytest.mark.parametrize("value", ORDINARY_VALUES)
def test_ordinary_values_are_not_taken_for_secrets(value: str) -> None:
    definition = task_definition(container(environment=[{"name": "SETTING", "value": value}]))
    assert messages("taskdef-no-plaintext-secrets", definition) == []


def test_secrets_in_command_entry_point_and_labels_are_refused() -> None:
    definition = task_definition(
        container(
            command=["node", f"--api-token={RANDOM_URLSAFE}", "--database=postgresql://dixie:pw@db/dixie"],
            entryPoint=["sh", "-c", "exec node dist/index.js"],
            dockerLabels={"build": "b9979307d748", "deploy-key": "AKIAIOSFODNN7EXAMPLE"},
        )
    )
    found = messages("taskdef-no-plaintext-secrets", definition)
    assert found == [
        "TaskDefinition 'service-task': containerDefinitions[0] (dixie-bff).command[1] holds a long "
        "high-entropy token: pass it in secrets[].valueFrom",
        "TaskDefinition 'service-task': containerDefinitions[0] (dixie-bff).command[2] holds a URL with a "
        "password: pass it in secrets[].valueFrom",
        "TaskDefinition 'service-task': containerDefinitions[0] (dixie-bff).dockerLabels deploy-key holds "
        "an AWS access key id: labels are visible to anyone who can describe the task",
    ]
    assert not any(RANDOM_URLSAFE in m or "AKIAIOSFODNN7EXAMPLE" in m for m in found)
