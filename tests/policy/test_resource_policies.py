"""Resource-based policies never allow everyone: the program's topic and file-system policies pass,
a public Allow (however the principal is written) fails, a public Deny stays allowed."""

from __future__ import annotations

import pytest

from dixie_infra.offline import Resource
from tests.policy.support import document, messages, resource

POLICY = "resource-policies-not-public"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:dixie-armitage-alarms"
FS_ARN = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0"

#: The program's own documents, as the offline run registers them.
TOPIC_POLICY = document(
    {
        "Sid": "CloudWatchAlarms",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": TOPIC_ARN,
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    },
    {
        "Sid": "FailedDeployments",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": TOPIC_ARN,
    },
)
FILE_SYSTEM_POLICY = document(
    {
        "Sid": "DenyWithoutTls",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        "Resource": FS_ARN,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
)


def topic_policy(policy: str) -> Resource:
    return resource(
        "aws:sns/topicPolicy:TopicPolicy", "alarms-topic-policy", {"arn": TOPIC_ARN, "policy": policy}
    )


def test_program_shaped_resource_policies_pass() -> None:
    assert messages(POLICY, topic_policy(TOPIC_POLICY)) == []
    fs_policy = resource(
        "aws:efs/fileSystemPolicy:FileSystemPolicy",
        "data-fs-policy",
        {"fileSystemId": "fs-1", "policy": FILE_SYSTEM_POLICY},
    )
    assert messages(POLICY, fs_policy) == []
    assert (
        messages(POLICY, resource("aws:sns/topic:Topic", "alarms-topic", {"name": "dixie-armitage-alarms"}))
        == []
    )


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ({"Principal": "*"}, "policy Statement[0].Principal must not be * in an Allow statement"),
        ({"Principal": {"AWS": "*"}}, "policy Statement[0].Principal must not be * in an Allow statement"),
        (
            {"Principal": {"AWS": ["arn:aws:iam::123456789012:root", "*"]}},
            "policy Statement[0].Principal must not be * in an Allow statement",
        ),
        (
            {"NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}},
            "policy Statement[0] must not use NotPrincipal",
        ),
    ],
)
def test_public_allow_statements_are_refused(principal: dict, expected: str) -> None:
    statement = {"Effect": "Allow", "Action": "sns:Publish", "Resource": TOPIC_ARN, **principal}
    found = messages(POLICY, topic_policy(document(statement)))
    assert len(found) == 1 and found[0].startswith(f"TopicPolicy 'alarms-topic-policy': {expected}"), found


@pytest.mark.parametrize(
    "type_",
    [
        "aws:efs/fileSystemPolicy:FileSystemPolicy",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:sns/topic:Topic",
    ],
)
def test_every_resource_policy_type_is_judged(type_: str) -> None:
    public = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    )
    assert messages(POLICY, resource(type_, "r", {"policy": public}))
