"""Resource-based policies (topic, file-system, repository, bucket, queue policies): none of them
opens its resource to everyone.

The IAM rules read identity policies (what a role may do); these documents say who may act on a
resource, so a ``Principal`` of ``*`` (or ``{"AWS": "*"}``, or ``NotPrincipal``) in an Allow
statement hands the alarm topic, the data volume or the image repository to any AWS account.
A Deny with ``*`` is how the file-system policy refuses non-TLS access and stays allowed. A
condition does not excuse a public Allow: a wrong or missing key in it is exactly the mistake
this rule exists for; name the service or account instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from ._support import (
    MANDATORY,
    SNS_TOPIC,
    allows,
    as_list,
    iter_statements,
    json_document,
    resource_policy,
)

RESOURCE_POLICY_TYPES = (
    "aws:sns/topicPolicy:TopicPolicy",
    SNS_TOPIC,
    "aws:efs/fileSystemPolicy:FileSystemPolicy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:sqs/queuePolicy:QueuePolicy",
)


def _public(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in as_list(value) for value in principal.values())
    return False


def _not_public(args: ResourceValidationArgs) -> Iterator[str]:
    document = json_document(args.props.get("policy"), "policy")
    for index, statement in iter_statements(document):
        if not allows(statement):
            continue
        if statement.get("NotPrincipal") is not None:
            yield f"policy Statement[{index}] must not use NotPrincipal in an Allow statement (it admits everyone else)"
        elif _public(statement.get("Principal")):
            yield (
                f"policy Statement[{index}].Principal must not be * in an Allow statement: "
                "name the service or account that may act on the resource"
            )


POLICIES = [
    resource_policy(
        "resource-policies-not-public",
        "No topic, file-system, repository, bucket or queue policy allows Principal * (or "
        "NotPrincipal): resource policies name the services or accounts they admit.",
        controls=("CKV_AWS_169", "CKV_AWS_32", "project"),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=RESOURCE_POLICY_TYPES,
        check=_not_public,
    ),
]
