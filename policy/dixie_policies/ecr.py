"""ECR policies: the repository the service's images come from.

Immutable tags make a pinned tag mean one image forever; scanning on push surfaces known CVEs
before the image runs; a lifecycle policy keeps the repository from growing without bound.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from ._support import (
    ECR_LIFECYCLE_POLICY,
    ECR_REPOSITORY,
    MANDATORY,
    DocumentError,
    as_list,
    dig,
    is_true,
    json_document,
    linked,
    matching,
    of_type,
    resource_policy,
    stack_policy,
)

IMMUTABLE = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")


def _immutable(args: ResourceValidationArgs) -> Iterator[str]:
    if args.props.get("imageTagMutability") not in IMMUTABLE:
        yield "imageTagMutability must be IMMUTABLE (the default, MUTABLE, lets a pinned tag change image)"


def _scan_on_push(args: ResourceValidationArgs) -> Iterator[str]:
    if not is_true(dig(args.props.get("imageScanningConfiguration"), "scanOnPush")):
        yield "imageScanningConfiguration.scanOnPush must be true"


def _lifecycle(args: StackValidationArgs) -> Iterator[tuple[PolicyResource, str]]:
    lifecycle_policies = of_type(args, ECR_LIFECYCLE_POLICY)
    for repository in of_type(args, ECR_REPOSITORY):
        attached = [
            p
            for p in lifecycle_policies
            if repository in linked(p, "repository", ECR_REPOSITORY)
            or repository in matching([repository], p.props.get("repository"), ("name", "id"))
        ]
        if not attached:
            yield (
                repository,
                "has no LifecyclePolicy in the stack (its repository property must name this repository)",
            )
            continue
        for policy in attached:
            try:
                rules = as_list(dig(json_document(policy.props.get("policy"), "policy"), "rules"))
            except DocumentError as exc:
                yield policy, str(exc)
                continue
            if not rules:
                yield policy, "policy must hold at least one rule"


POLICIES = [
    resource_policy(
        "ecr-immutable-tags",
        "ECR repositories have immutable tags.",
        controls=("ECR.2", "CKV_AWS_51", "AVD-AWS-0031"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[ECR_REPOSITORY],
        check=_immutable,
    ),
    resource_policy(
        "ecr-scan-on-push",
        "ECR repositories scan images on push.",
        controls=("ECR.1", "CKV_AWS_163", "AVD-AWS-0030"),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[ECR_REPOSITORY],
        check=_scan_on_push,
    ),
    stack_policy(
        "ecr-lifecycle-policy",
        "Every ECR repository has an in-stack lifecycle policy with at least one rule.",
        controls=("ECR.3",),
        level=MANDATORY,
        severity=Severity.LOW,
        check=_lifecycle,
    ),
]
