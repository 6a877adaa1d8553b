"""The single-writer service and its task definition, beyond the one-case-per-policy table."""

from __future__ import annotations

import pytest

from tests.policy.support import ABSENT, PARAMETER_ARN, container, messages, service, task_definition


def test_parked_service_with_zero_tasks_is_allowed() -> None:
    assert messages("ecs-service-single-writer", service(desiredCount=0.0)) == []


@pytest.mark.parametrize(
    ("change", "prop"),
    [
        ({"desiredCount": 2.0}, "desiredCount"),
        ({"desiredCount": ABSENT}, "desiredCount"),
        ({"deploymentMaximumPercent": 200.0}, "deploymentMaximumPercent"),
        ({"deploymentMinimumHealthyPercent": 50.0}, "deploymentMinimumHealthyPercent"),
        ({"deploymentMinimumHealthyPercent": ABSENT}, "deploymentMinimumHealthyPercent"),
    ],
)
def test_service_never_runs_two_tasks(change: dict[str, object], prop: str) -> None:
    assert any(prop in m for m in messages("ecs-service-single-writer", service(**change)))


def test_blue_green_strategy_is_refused() -> None:
    found = messages(
        "ecs-service-rolling-deployments", service(deploymentConfiguration={"strategy": "BLUE_GREEN"})
    )
    assert any("deploymentConfiguration.strategy" in m for m in found)


def test_fargate_capacity_provider_counts_as_fargate() -> None:
    strategy = [{"capacityProvider": "FARGATE", "weight": 1.0}]
    assert (
        messages(
            "ecs-service-fargate-latest", service(launchType=ABSENT, capacityProviderStrategies=strategy)
        )
        == []
    )
    assert messages("ecs-service-fargate-latest", service(launchType="EC2"))


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("registry.local:5000/dixie", False),  # a registry port is not a tag
        ("registry.local:5000/dixie:v1.4.2", True),
        ("dixie", False),
        ("dixie:latest", False),
        ("dixie:b3eef1a", True),
        ("dixie@sha256:" + "b" * 64, True),
    ],
)
def test_images_are_pinned_by_tag_or_digest(image: str, pinned: bool) -> None:
    assert (messages("taskdef-image-pinned", task_definition(container(image=image))) == []) is pinned


def test_url_with_password_in_environment_is_a_plaintext_secret() -> None:
    variable = {"name": "UPSTREAM", "value": "postgresql://dixie:s3cr3t-pw@db.local:5432/dixie"}
    found = messages("taskdef-no-plaintext-secrets", task_definition(container(environment=[variable])))
    assert found == [
        "TaskDefinition 'service-task': containerDefinitions[0] (dixie-bff).environment UPSTREAM holds a URL "
        "with a password: pass it in secrets[].valueFrom"
    ]


def test_configured_secret_names_are_plaintext_secrets_too() -> None:
    definition = task_definition(container(environment=[{"name": "SIGNING_SALT", "value": "x"}]))
    assert messages("taskdef-no-plaintext-secrets", definition) == []
    assert messages("taskdef-no-plaintext-secrets", definition, config={"secretNames": ["SIGNING_SALT"]})


@pytest.mark.parametrize(
    ("value_from", "allowed"),
    [
        (PARAMETER_ARN, True),
        ("/dixie/armitage/DATABASE_URL", True),
        ("/dixie/armitage-other/DATABASE_URL", False),
        ("/dixie/production/DATABASE_URL", False),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:dixie/armitage/db", False),
        ("arn:aws:ssm:us-east-1:123456789012:parameter/dixie/armitage", False),
    ],
)
def test_secrets_come_only_from_the_service_prefix(value_from: str, allowed: bool) -> None:
    definition = task_definition(container(secrets=[{"name": "DATABASE_URL", "valueFrom": value_from}]))
    assert (messages("taskdef-secrets-under-prefix", definition) == []) is allowed


def test_configured_ssm_prefix_overrides_the_stack_default() -> None:
    definition = task_definition(container(secrets=[{"name": "X", "valueFrom": "/shared/dixie/X"}]))
    assert messages("taskdef-secrets-under-prefix", definition)
    assert messages("taskdef-secrets-under-prefix", definition, config={"ssmPrefix": "/shared/dixie/"}) == []


def test_host_pid_and_bridge_networking_are_refused() -> None:
    found = messages("taskdef-isolation", task_definition(pidMode="host", networkMode="bridge"))
    assert any("pidMode" in m for m in found)
    assert any("networkMode" in m for m in found)


def test_fargate_awslogs_needs_a_stream_prefix() -> None:
    logging = {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/ecs/dixie-armitage", "awslogs-region": "us-east-1"},
    }
    found = messages("taskdef-awslogs", task_definition(container(logConfiguration=logging)))
    assert any("awslogs-stream-prefix" in m for m in found)


def test_unparseable_container_definitions_are_reported_not_crashed_on() -> None:
    found = messages("taskdef-image-pinned", task_definition(containerDefinitions="[{not json"))
    assert found == ["TaskDefinition 'service-task': containerDefinitions is not valid JSON"]
