"""Who can obtain which AWS credentials from this repository's workflows, and what the roles grant.

The rules (docs/trust-model.md): no job that a pull request's event runs gets AWS credentials
without waiting for a reviewer in an approval environment; the preview role reads only what a
preview of this program reads; neither CI role holds a wildcard action or another team's
parameters, buckets or keys. Each rule runs on the real files and on a copy broken on purpose.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pytest

from dixie_infra.offline import Evaluation, evaluate, stack_config
from tests.delivery.trust import (
    IAM,
    PLACEHOLDERS,
    ROOT,
    credential_holes,
    load_policy,
    policy_actions,
    policy_problems,
    statements,
    trust_problems,
)

WORKFLOWS = ROOT / ".github" / "workflows"
PREVIEW_SUBJECTS = {
    "repo:<owner>/<repo>:environment:armitage-preview",
    "repo:<owner>/<repo>:ref:refs/heads/main",
}
DEPLOY_SUBJECTS = {"repo:<owner>/<repo>:environment:armitage"}
#: verify_deploy's Finn-wiring check reads Finn's pointer to Dixie; nothing else of Finn's.
FINN_POINTER = "/loa-finn/armitage/DIXIE_BASE_URL"

#: What a refresh of each resource type calls, i.e. what `pulumi preview --refresh` needs.
#: From terraform-provider-aws (behind pulumi-aws), each resource's Read function under
#: internal/service/<service>/: e.g. ssm/parameter.go resourceParameterRead calls
#: findParameterByName(ctx, conn, d.Id(), true), a GetParameter WithDecryption (hence the
#: SSM-scoped kms:Decrypt), then DescribeParameters for the metadata; tags are read with each
#: service's ListTagsForResource. Types the program is gaining (EFS, the deployment-failed rule,
#: the topic policy) are listed already. Random resources read nothing from AWS.
READS: dict[str, set[str]] = {
    "aws:cloudwatch/logGroup:LogGroup": {"logs:DescribeLogGroups", "logs:ListTagsForResource"},
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": {"logs:DescribeMetricFilters"},
    "aws:cloudwatch/metricAlarm:MetricAlarm": {"cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"},
    "aws:cloudwatch/eventRule:EventRule": {"events:DescribeRule", "events:ListTagsForResource"},
    "aws:cloudwatch/eventTarget:EventTarget": {"events:ListTargetsByRule"},
    "aws:ec2/securityGroup:SecurityGroup": {"ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"},
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {"ec2:DescribeSecurityGroupRules"},
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {"ec2:DescribeSecurityGroupRules"},
    "aws:ecr/repository:Repository": {"ecr:DescribeRepositories", "ecr:ListTagsForResource"},
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": {"ecr:GetLifecyclePolicy"},
    "aws:ecs/service:Service": {"ecs:DescribeServices"},
    "aws:ecs/taskDefinition:TaskDefinition": {"ecs:DescribeTaskDefinition"},
    "aws:efs/fileSystem:FileSystem": {
        "elasticfilesystem:DescribeFileSystems",
        "elasticfilesystem:DescribeLifecycleConfiguration",
        "elasticfilesystem:ListTagsForResource",
    },
    "aws:efs/backupPolicy:BackupPolicy": {"elasticfilesystem:DescribeBackupPolicy"},
    "aws:efs/mountTarget:MountTarget": {
        "elasticfilesystem:DescribeMountTargets",
        "elasticfilesystem:DescribeMountTargetSecurityGroups",
        "ec2:DescribeSubnets",
    },
    "aws:efs/accessPoint:AccessPoint": {"elasticfilesystem:DescribeAccessPoints"},
    "aws:efs/fileSystemPolicy:FileSystemPolicy": {"elasticfilesystem:DescribeFileSystemPolicy"},
    "aws:elasticache/parameterGroup:ParameterGroup": {
        "elasticache:DescribeCacheParameterGroups",
        "elasticache:DescribeCacheParameters",
        "elasticache:ListTagsForResource",
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": {
        "elasticache:DescribeReplicationGroups",
        "elasticache:DescribeCacheClusters",
        "elasticache:ListTagsForResource",
    },
    "aws:elasticache/subnetGroup:SubnetGroup": {"elasticache:DescribeCacheSubnetGroups"},
    "aws:iam/role:Role": {"iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"},
    "aws:iam/rolePolicy:RolePolicy": {"iam:GetRolePolicy"},
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {"iam:ListAttachedRolePolicies"},
    "aws:lb/listenerRule:ListenerRule": {
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTags",
    },
    "aws:lb/targetGroup:TargetGroup": {
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTags",
    },
    "aws:route53/record:Record": {"route53:ListResourceRecordSets", "route53:GetHostedZone"},
    "aws:sns/topic:Topic": {"sns:GetTopicAttributes", "sns:ListTagsForResource"},
    "aws:sns/topicPolicy:TopicPolicy": {"sns:GetTopicAttributes"},
    "aws:sns/topicSubscription:TopicSubscription": {"sns:GetSubscriptionAttributes"},
    "aws:ssm/parameter:Parameter": {"ssm:GetParameter", "ssm:DescribeParameters", "ssm:ListTagsForResource"},
    "random:index/randomPassword:RandomPassword": set(),
    "random:index/randomBytes:RandomBytes": set(),
}
#: The program's lookups (invokes) and what each calls.
INVOKES: dict[str, set[str]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": set(),  # sts:GetCallerIdentity needs no permission
    "aws:index/getRegion:getRegion": set(),
    "aws:rds/getInstance:getInstance": {"rds:DescribeDBInstances"},
    "aws:ecr/getImage:getImage": {"ecr:DescribeImages"},
}


@pytest.fixture(scope="module")
def plan() -> Evaluation:
    config, secret_keys = stack_config("armitage")
    return evaluate("armitage", config, secret_keys=secret_keys)


# --- no pull request reaches AWS credentials without an approval ------------------------------


def test_no_pull_request_job_gets_aws_credentials_without_an_approval_environment() -> None:
    assert credential_holes(WORKFLOWS) == []


@pytest.fixture
def workflows_copy(tmp_path: Path) -> Path:
    github = tmp_path / ".github"
    shutil.copytree(ROOT / ".github", github)
    return github / "workflows"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"anchor {old!r} not in {path.name}; update the test"
    path.write_text(text.replace(old, new, 1))


CI_OIDC = (
    "ci.yml",
    "    permissions:\n      contents: read\n",
    "    permissions:\n      contents: read\n      id-token: write\n",
)
DEPLOY_ON_PULL_REQUESTS = (
    "deploy.yml",
    "on:\n  workflow_dispatch:\n",
    "on:\n  pull_request:\n  workflow_dispatch:\n",
)


@pytest.mark.parametrize(
    ("edits", "hole"),
    [
        pytest.param(
            [("preview.yml", "    environment:\n      name: armitage-preview\n", "")],
            "preview.yml/preview: AWS credentials without an approval environment (None)",
            id="preview-without-its-environment",
        ),
        pytest.param(
            [("preview.yml", "      name: armitage-preview\n", "      name: pr-sandbox\n")],
            "preview.yml/preview: AWS credentials without an approval environment ('pr-sandbox')",
            id="preview-in-an-unreviewed-environment",
        ),
        pytest.param(
            [CI_OIDC],
            "ci.yml/plan: AWS credentials without an approval environment (None)",
            id="ci-asks-for-an-oidc-token",
        ),
        pytest.param(
            [DEPLOY_ON_PULL_REQUESTS],
            "deploy.yml/preview: AWS credentials without an approval environment (None)",
            id="deploy-on-pull-requests",
        ),
        pytest.param(
            # A called workflow runs with its caller's event.
            [DEPLOY_ON_PULL_REQUESTS, CI_OIDC],
            "deploy.yml/ci -> ci.yml/plan: AWS credentials",
            id="through-a-called-workflow",
        ),
    ],
)
def test_a_pull_request_job_with_credentials_and_no_approval_is_found(
    workflows_copy: Path, edits: list[tuple[str, str, str]], hole: str
) -> None:
    for workflow, old, new in edits:
        edit(workflows_copy / workflow, old, new)
    holes = credential_holes(workflows_copy)
    assert any(h.startswith(hole) for h in holes), holes


def test_the_role_trust_policies_admit_only_approved_environments_and_main() -> None:
    preview, deploy = load_policy("preview-trust.json"), load_policy("deploy-trust.json")
    assert trust_problems(preview, PREVIEW_SUBJECTS) == []
    assert trust_problems(deploy, DEPLOY_SUBJECTS) == []
    # Each subject is really there: a trust policy admitting nobody would pass the check above.
    subjects = {
        name: {s for st in statements(doc) for s in _subjects(st)}
        for name, doc in (("preview", preview), ("deploy", deploy))
    }
    assert subjects == {"preview": PREVIEW_SUBJECTS, "deploy": DEPLOY_SUBJECTS}


def _subjects(statement: dict[str, Any]) -> list[str]:
    value = statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param(
            lambda st: st["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"].append(
                "repo:<owner>/<repo>:pull_request"
            ),
            "admits 'repo:<owner>/<repo>:pull_request'",
            id="bare-pull-requests",
        ),
        pytest.param(
            lambda st: st["Condition"].update(
                {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:<owner>/<repo>:*"}}
            ),
            "conditions other than StringEquals",
            id="wildcard-subject",
        ),
        pytest.param(
            lambda st: st["Condition"]["StringEquals"].pop("token.actions.githubusercontent.com:aud"),
            "no audience condition",
            id="no-audience",
        ),
    ],
)
def test_a_widened_trust_policy_is_found(change: Callable[[dict[str, Any]], Any], problem: str) -> None:
    document = copy.deepcopy(load_policy("preview-trust.json"))
    change(statements(document)[0])
    problems = trust_problems(document, PREVIEW_SUBJECTS)
    assert any(problem in p for p in problems), problems


def test_the_environments_the_workflows_use_are_the_ones_the_roles_trust() -> None:
    preview = (WORKFLOWS / "preview.yml").read_text()
    deploy = (WORKFLOWS / "deploy.yml").read_text()
    assert "      name: armitage-preview\n" in preview
    assert "      name: ${{ inputs.stack || 'armitage' }}\n" in deploy
    assert "AWS_PREVIEW_ROLE_ARN" in preview and "AWS_DEPLOY_ROLE_ARN" not in preview


# --- what the roles grant ----------------------------------------------------------------------


def test_the_policy_files_carry_only_the_documented_placeholders() -> None:
    files = sorted((IAM / "armitage").glob("*.json"))
    assert {f.name for f in files} == {
        "preview-policy.json",
        "preview-trust.json",
        "deploy-policy.json",
        "deploy-trust.json",
    }
    for path in files:
        text = path.read_text()
        json.loads(text)
        # "<owner>/<repo>" reads as two placeholders.
        allowed = {p for placeholder in PLACEHOLDERS for p in re.findall(r"<[^<>]*>", placeholder)}
        leftover = set(re.findall(r"<[^<>]*>", text)) - allowed
        assert leftover == set(), f"{path.name}: {leftover}"


def test_the_policies_fit_iams_size_limits() -> None:
    # IAM quotas (docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): a managed
    # policy holds at most 6,144 characters and a role's inline policies 10,240 together, white
    # space not counted. The reads are one managed policy both roles attach; the writes are the
    # deploy role's one inline policy.
    def size(name: str) -> int:
        return len(re.sub(r"\s", "", (IAM / "armitage" / name).read_text()))

    assert size("preview-policy.json") <= 6144
    assert size("deploy-policy.json") <= 10240


def test_the_preview_role_has_no_wildcard_action_and_no_foreign_parameter_path() -> None:
    assert policy_problems(load_policy("preview-policy.json"), "armitage") == []


def test_the_deploy_role_has_no_wildcard_action_and_only_finns_pointer_outside_its_prefix() -> None:
    # The deploy role carries both policies: the preview's reads and the deploy's writes.
    for name in ("preview-policy.json", "deploy-policy.json"):
        assert policy_problems(load_policy(name), "armitage", extra_parameters=[FINN_POINTER]) == [], name


def _with_statement(name: str, statement: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(load_policy(name))
    document["Statement"].append({"Sid": "Injected", "Effect": "Allow", **statement})
    return document


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        pytest.param({"Action": "ec2:Describe*", "Resource": "*"}, "wildcard", id="describe-star"),
        pytest.param({"Action": "*", "Resource": "*"}, "wildcard", id="admin"),
        pytest.param(
            {
                "Action": "ssm:GetParametersByPath",
                "Resource": "arn:aws:ssm:us-east-1:891376933289:parameter/loa-finn/armitage/*",
            },
            "outside /dixie/armitage/",
            id="finns-parameters",
        ),
        pytest.param(
            {
                "Action": "ssm:GetParameter",
                "Resource": "arn:aws:ssm:us-east-1:891376933289:parameter/dixie/production/*",
            },
            "outside /dixie/armitage/",
            id="production-parameters",
        ),
        pytest.param(
            {
                "Action": "ssm:GetParameter",
                "Resource": "arn:aws:ssm:us-east-1:891376933289:parameter/dixie/armitagex",
            },
            "outside /dixie/armitage/",
            id="prefix-lookalike",
        ),
        pytest.param(
            {"Action": "ssm:GetParameter", "Resource": "*"}, "outside /dixie/armitage/", id="every-parameter"
        ),
        pytest.param(
            {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::honeyjar-terraform-state/*"},
            "not the state bucket",
            id="terraform-state-bucket",
        ),
        pytest.param(
            {"Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:891376933289:key/*"},
            "without kms:ViaService",
            id="decrypt-with-any-key",
        ),
        pytest.param({"NotAction": "iam:*", "Resource": "*"}, "NotAction", id="not-action"),
    ],
)
def test_a_widened_role_policy_is_found(statement: dict[str, Any], problem: str) -> None:
    problems = policy_problems(_with_statement("preview-policy.json", statement), "armitage")
    assert any(problem in p for p in problems), problems


def test_the_preview_role_only_reads() -> None:
    # Not even the stack lock: the DIY backend's Preview runs the engine with DryRun and never
    # locks (pulumi/pulumi pkg/backend/diy/backend.go, diyBackend.Preview vs Update, which calls
    # b.Lock). A preview role that could write the lock could delete a running deploy's.
    for statement in statements(load_policy("preview-policy.json")):
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        for action in actions:
            verb = action.split(":", 1)[1]
            assert verb.startswith(("Describe", "Get", "List")) or action == "kms:Decrypt", (
                f"{statement['Sid']}: {action}"
            )


def test_the_deploy_role_takes_the_stack_lock() -> None:
    (writes,) = [s for s in statements(load_policy("deploy-policy.json")) if s["Sid"] == "WriteTheStackState"]
    assert {"s3:PutObject", "s3:DeleteObject"} <= set(writes["Action"])
    assert "arn:aws:s3:::<state-bucket>/.pulumi/locks/organization/dixie/*" in writes["Resource"]


def test_the_preview_role_reads_every_resource_type_and_lookup_the_program_declares(plan: Evaluation) -> None:
    declared = {r.type for r in plan.resources if r.custom and not r.type.startswith("pulumi:providers:")}
    unknown = declared - set(READS)
    assert unknown == set(), f"add what a refresh of {sorted(unknown)} calls to READS and to the policy files"
    invoked = {token for token, _ in plan.invokes}
    assert invoked - set(INVOKES) == set()
    granted = policy_actions(load_policy("preview-policy.json"))
    needed = set().union(*(READS[t] for t in declared), *(INVOKES[t] for t in invoked))
    assert needed, "the plan declared nothing; the check would pass vacuously"
    assert needed - granted == set()
    # The table's types not in today's plan (the program is gaining them) are granted too.
    assert set().union(*READS.values()) - granted == set()


#: boto3 client names whose IAM service prefix differs.
IAM_PREFIX = {"elbv2": "elasticloadbalancing", "efs": "elasticfilesystem"}
CALL = re.compile(
    r"\b(ecs|ssm|ecr|elbv2|cloudwatch|rds|ec2|logs|sns|efs|elasticache|route53)\."
    r"(?:get_paginator\(\"([a-z_]+)\"\)|([a-z_]+)\()"
)


def _sources(module: str) -> list[Path]:
    """scripts/<module>.py, or every module of the package scripts/<module>/."""
    package = ROOT / "scripts" / module
    if package.is_dir():
        files = sorted(package.glob("*.py"))
        assert files, f"package {package} has no modules"
        return files
    return [ROOT / "scripts" / f"{module}.py"]


def aws_calls(*modules: str) -> set[str]:
    """The IAM actions of the boto3 calls (and paginators) in these modules (or packages) of scripts/."""
    found = set()
    for path in (path for module in modules for path in _sources(module)):
        for match in CALL.finditer(path.read_text()):
            client, paginated, called = match.groups()
            operation = paginated or called
            if operation in ("get_paginator", "get_waiter"):
                continue
            found.add(f"{IAM_PREFIX.get(client, client)}:{_operation_name(client, operation)}")
    return found


def _operation_name(client: str, snake: str) -> str:
    # botocore's own model maps boto3's method names back to the API's operation names
    # (describe_db_instances -> DescribeDBInstances); IAM actions are named after operations.
    model = botocore.session.get_session().get_service_model(client)
    names = {botocore.xform_name(name): name for name in model.operation_names}
    return names[snake]


def test_the_roles_grant_every_aws_call_their_jobs_tools_make() -> None:
    preview = policy_actions(load_policy("preview-policy.json"))
    deploy = preview | policy_actions(load_policy("deploy-policy.json"))
    # The deploy's `up` job runs verify_deploy (preflight and post) with the deploy role.
    verify = aws_calls("verify_deploy", "_checks", "_aws", "_nats")
    assert {"elasticloadbalancing:DescribeTargetHealth", "ssm:GetParametersByPath"} <= verify
    assert verify - deploy == set()
    # The drift job runs discover_nats with the preview role.
    nats = aws_calls("discover_nats", "_nats", "_aws")
    assert {"ecs:ListTasks", "ecs:DescribeTasks", "ssm:GetParameter"} <= nats
    assert nats - preview == set()
