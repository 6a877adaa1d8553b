"""ECS policies: the single-writer service and its task definition.

Dixie keeps a write-ahead log on local state, so two tasks running at once are two writers that
corrupt it. The service policies pin every knob that could start a second task (desired count,
deployment percentages, blue/green controllers, AZ rebalancing); the task-definition policies keep
secrets out of plain environment variables and the container off the host.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from ._support import (
    ADVISORY,
    ECS_SERVICE,
    MANDATORY,
    TASK_DEFINITION,
    as_list,
    config_schema,
    dig,
    is_list,
    is_map,
    is_true,
    json_document,
    looks_secret,
    number,
    resource_policy,
    ssm_prefix,
    under_ssm_prefix,
)
from .secret_shapes import secret_kind

# --- ECS service ----------------------------------------------------------------------------


def _single_writer(args: ResourceValidationArgs) -> Iterator[str]:
    p = args.props
    desired = number(p.get("desiredCount"))
    if desired is None:
        yield "desiredCount must be set explicitly (1 runs the service, 0 parks it)"
    elif desired not in (0.0, 1.0):
        yield "desiredCount must be 0 or 1: two tasks are two writers to one write-ahead log"
    if number(p.get("deploymentMaximumPercent")) != 100.0:
        yield (
            "deploymentMaximumPercent must be set to 100 (AWS defaults to 200 and starts the new "
            "task before the old one stops)"
        )
    if number(p.get("deploymentMinimumHealthyPercent")) != 0.0:
        yield "deploymentMinimumHealthyPercent must be set to 0 (the old task must stop first)"


def _circuit_breaker(args: ResourceValidationArgs) -> Iterator[str]:
    breaker = args.props.get("deploymentCircuitBreaker")
    if not is_true(dig(breaker, "enable")):
        yield "deploymentCircuitBreaker.enable must be true"
    if not is_true(dig(breaker, "rollback")):
        yield "deploymentCircuitBreaker.rollback must be true (a failed rollout returns to the last good revision)"


def _az_rebalancing(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("availabilityZoneRebalancing") != "DISABLED":
        yield (
            "availabilityZoneRebalancing must be set to DISABLED (new services default to ENABLED, "
            "which starts a replacement task before stopping the old one)"
        )


def _rolling_controller(args: ResourceValidationArgs) -> Iterator[str]:
    controller = dig(args.props.get("deploymentController"), "type")
    if controller not in (None, "ECS"):
        yield "deploymentController.type must be ECS (CODE_DEPLOY and EXTERNAL run two task sets at once)"
    strategy = dig(args.props.get("deploymentConfiguration"), "strategy")
    if strategy not in (None, "ROLLING"):
        yield "deploymentConfiguration.strategy must be ROLLING (blue/green, linear and canary overlap tasks)"


def _no_public_ip(args: ResourceValidationArgs) -> Iterator[str]:
    if is_true(dig(args.props.get("networkConfiguration"), "assignPublicIp")):
        yield "networkConfiguration.assignPublicIp must not be true (tasks are reached only through the ALB)"


def _fargate_latest(args: ResourceValidationArgs) -> Iterator[str]:
    p = args.props
    providers = [dig(s, "capacityProvider") for s in (p.get("capacityProviderStrategies") or [])]
    on_fargate = p.get("launchType") == "FARGATE" or any(c in ("FARGATE", "FARGATE_SPOT") for c in providers)
    if not on_fargate:
        yield "launchType must be FARGATE"
    if p.get("platformVersion") not in (None, "LATEST"):
        yield "platformVersion must be LATEST or unset (older Fargate platforms miss security patches)"


def _steady_state(args: ResourceValidationArgs) -> Iterator[str]:
    if not is_true(args.props.get("waitForSteadyState")):
        yield (
            "waitForSteadyState must be true (otherwise the update reports success before the new "
            "task is healthy, and a circuit-breaker rollback goes unnoticed)"
        )


# --- task definition ------------------------------------------------------------------------


def containers(args: ResourceValidationArgs) -> list[tuple[str, Mapping[str, Any]]]:
    """(``containerDefinitions[i]`` with the container's name, definition) for each container."""
    document = json_document(args.props.get("containerDefinitions"), "containerDefinitions")
    if not is_list(document):
        return []
    found = []
    for index, container in enumerate(document):
        if is_map(container):
            name = container.get("name")
            where = f"containerDefinitions[{index}]" + (f" ({name})" if isinstance(name, str) else "")
            found.append((where, container))
    return found


def _image_pinned(args: ResourceValidationArgs) -> Iterator[str]:
    for where, container in containers(args):
        image = container.get("image")
        if not isinstance(image, str) or not image:
            yield f"{where}.image must be set"
            continue
        if "@sha256:" in image:
            continue
        last = image.rsplit("/", 1)[-1]
        if ":" not in last:
            yield f"{where}.image has no tag, which means latest: pin a release tag or a digest"
        elif last.rsplit(":", 1)[1] in ("", "latest"):
            yield f"{where}.image uses the latest tag: pin a release tag or a digest"


def _value_kind(value: Any) -> str | None:
    """The credential a plain value (or the value part of ``--flag=value``) looks like."""
    if not isinstance(value, str):
        return None
    for candidate in (value, value.partition("=")[2]):
        kind = secret_kind(candidate)
        if kind:
            return kind
    return None


def _no_plaintext_secrets(args: ResourceValidationArgs) -> Iterator[str]:
    extra = args.get_config().get("secretNames", [])
    for where, container in containers(args):
        for variable in container.get("environment") or []:
            name = dig(variable, "name")
            if not isinstance(name, str):
                continue
            kind = _value_kind(dig(variable, "value"))
            if looks_secret(name, extra):
                yield f"{where}.environment {name} looks like a secret: pass it in secrets[].valueFrom"
            elif kind:
                # The value's shape, whatever the name: a secret renamed UPSTREAM is still one.
                yield f"{where}.environment {name} holds {kind}: pass it in secrets[].valueFrom"
        for prop in ("command", "entryPoint"):
            for index, word in enumerate(as_list(container.get(prop))):
                kind = _value_kind(word)
                if kind:
                    yield f"{where}.{prop}[{index}] holds {kind}: pass it in secrets[].valueFrom"
        labels = container.get("dockerLabels")
        if isinstance(labels, Mapping):
            for label_name, value in labels.items():
                kind = _value_kind(value)
                if kind:
                    yield f"{where}.dockerLabels {label_name} holds {kind}: labels are visible to anyone who can describe the task"


def _awslogs(args: ResourceValidationArgs) -> Iterator[str]:
    fargate = "FARGATE" in (args.props.get("requiresCompatibilities") or [])
    for where, container in containers(args):
        logging = container.get("logConfiguration")
        if dig(logging, "logDriver") != "awslogs":
            yield f"{where}.logConfiguration.logDriver must be awslogs"
            continue
        if not dig(logging, "options", "awslogs-group"):
            yield f"{where}.logConfiguration.options.awslogs-group must name the log group"
        if fargate and not dig(logging, "options", "awslogs-stream-prefix"):
            # Fargate refuses awslogs without a stream prefix.
            yield f"{where}.logConfiguration.options.awslogs-stream-prefix must be set on Fargate"


def _isolation(args: ResourceValidationArgs) -> Iterator[str]:
    p = args.props
    if p.get("networkMode") != "awsvpc":
        yield "networkMode must be awsvpc (each task gets its own interface and security group)"
    if p.get("pidMode") == "host":
        yield "pidMode must not be host"
    for where, container in containers(args):
        if is_true(container.get("privileged")):
            yield f"{where}.privileged must not be true"


def _separate_roles(args: ResourceValidationArgs) -> Iterator[str]:
    execution = args.props.get("executionRoleArn")
    task = args.props.get("taskRoleArn")
    if not execution:
        yield "executionRoleArn must be set (it pulls the image, writes logs and reads the secrets)"
    elif execution == task:
        yield "taskRoleArn must differ from executionRoleArn (the app must not hold the secret-reading role)"


def _secrets_under_prefix(args: ResourceValidationArgs) -> Iterator[str]:
    prefix = ssm_prefix(args.get_config(), args.urn)
    for where, container in containers(args):
        for index, secret in enumerate(container.get("secrets") or []):
            source = dig(secret, "valueFrom")
            if not isinstance(source, str) or not under_ssm_prefix(source, prefix):
                yield f"{where}.secrets[{index}].valueFrom must name a parameter under the service's SSM prefix"


def _readonly_root(args: ResourceValidationArgs) -> Iterator[str]:
    for where, container in containers(args):
        if not is_true(container.get("readonlyRootFilesystem")):
            yield f"{where}.readonlyRootFilesystem should be true (writable paths belong on task volumes)"


SSM_PREFIX_SCHEMA = {
    "type": "string",
    "description": "The service's parameter prefix; default /<project>/<stack> from the URN.",
}

POLICIES = [
    resource_policy(
        "ecs-service-single-writer",
        "Dixie's ECS service runs at most one task, also during deployments: desiredCount 0 or 1, "
        "deploymentMaximumPercent 100 and deploymentMinimumHealthyPercent 0, all set explicitly.",
        controls=("project: single writer", "AWS API DeploymentConfiguration (maximumPercent default 200)"),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=[ECS_SERVICE],
        check=_single_writer,
    ),
    resource_policy(
        "ecs-service-circuit-breaker",
        "The ECS deployment circuit breaker is on with rollback.",
        controls=("project", "AWS API DeploymentCircuitBreaker"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[ECS_SERVICE],
        check=_circuit_breaker,
    ),
    resource_policy(
        "ecs-service-az-rebalancing-disabled",
        "Availability Zone rebalancing is explicitly DISABLED (it would start a second task).",
        controls=("project: single writer", "ECS availabilityZoneRebalancing default ENABLED"),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=[ECS_SERVICE],
        check=_az_rebalancing,
    ),
    resource_policy(
        "ecs-service-rolling-deployments",
        "The service uses the ECS deployment controller with rolling updates: no blue/green, "
        "linear or canary deployments, which run two task sets at once.",
        controls=("project: single writer", "AWS API DeploymentController"),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=[ECS_SERVICE],
        check=_rolling_controller,
    ),
    resource_policy(
        "ecs-service-no-public-ip",
        "ECS tasks get no public IP address.",
        controls=("ECS.2", "CKV_AWS_333"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[ECS_SERVICE],
        check=_no_public_ip,
    ),
    resource_policy(
        "ecs-service-fargate-latest",
        "The service runs on Fargate on the LATEST platform version.",
        controls=("ECS.10", "CKV_AWS_332"),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[ECS_SERVICE],
        check=_fargate_latest,
    ),
    resource_policy(
        "ecs-service-waits-for-steady-state",
        "Updates wait for the service to reach a steady state, so a failed rollout fails the update.",
        controls=("project",),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[ECS_SERVICE],
        check=_steady_state,
    ),
    resource_policy(
        "taskdef-image-pinned",
        "Every container image is pinned to a tag other than latest, or to a digest.",
        controls=("project", "rationale of ECR.2 / CKV_AWS_51"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[TASK_DEFINITION],
        check=_image_pinned,
    ),
    resource_policy(
        "taskdef-no-plaintext-secrets",
        "No container environment variable looks like a secret, by its name or by its value's shape "
        "(URL with a password, PEM private key, JWT, AWS access key id, vendor token, hex key of 32+ "
        "characters, long high-entropy token), and no command, entry point or Docker label carries "
        "one; secrets come from SSM through secrets[].valueFrom.",
        controls=("ECS.8", "AVD-AWS-0036"),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=[TASK_DEFINITION],
        check=_no_plaintext_secrets,
        schema=config_schema(
            secretNames={
                "type": "array",
                "items": {"type": "string"},
                "description": "More secret variable names.",
            }
        ),
    ),
    resource_policy(
        "taskdef-awslogs",
        "Every container logs with the awslogs driver to a named log group (with a stream prefix on Fargate).",
        controls=("ECS.9",),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[TASK_DEFINITION],
        check=_awslogs,
    ),
    resource_policy(
        "taskdef-isolation",
        "Tasks use awsvpc networking, do not share the host PID namespace and run no privileged container.",
        controls=("ECS.3", "ECS.4", "ECS.17", "CKV_AWS_334", "CKV_AWS_335"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[TASK_DEFINITION],
        check=_isolation,
    ),
    resource_policy(
        "taskdef-separate-roles",
        "The task definition has an execution role, and the task role is a different role.",
        controls=("CKV_AWS_249",),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[TASK_DEFINITION],
        check=_separate_roles,
    ),
    resource_policy(
        "taskdef-secrets-under-prefix",
        "Every secrets[].valueFrom names an SSM parameter under the service's prefix (config "
        "ssmPrefix; default /<project>/<stack>).",
        controls=("project", "AWS API Secret"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[TASK_DEFINITION],
        check=_secrets_under_prefix,
        schema=config_schema(ssmPrefix=SSM_PREFIX_SCHEMA),
    ),
    resource_policy(
        "taskdef-readonly-root-filesystem",
        "Containers run with a read-only root filesystem.",
        controls=("ECS.5", "CKV_AWS_336"),
        level=ADVISORY,
        severity=Severity.LOW,
        types=[TASK_DEFINITION],
        check=_readonly_root,
    ),
]

__all__ = ["POLICIES", "SSM_PREFIX_SCHEMA", "containers"]
