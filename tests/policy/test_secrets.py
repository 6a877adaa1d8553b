"""Violation messages name the resource and the property, never a value: props hold secrets in
plain text (the analyzer unwraps them before the policies see them)."""

from __future__ import annotations

import json

from dixie_infra.policy_check import check_resources
from tests.policy.support import container, redis, resource, secret, task_definition

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
