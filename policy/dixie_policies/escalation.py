"""IAM actions that let a role gain permissions it was not given: privilege escalation.

Built from Rhino Security Labs, "AWS IAM Privilege Escalation - Methods and Mitigation"
(https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/, 21 methods, and
its follow-ups on SageMaker, CodeBuild and ECS), the IAM service authorization reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_identityandaccessmanagement.html:
every ``Create*``/``Put*``/``Attach*``/``Update*``/``Set*``/``Add*`` action on roles, users, groups
and policies is a permissions-management action) and checkov's CKV_AWS_286 ("IAM policies do not
allow privilege escalation"). Grouped by how the escalation works:

- rewriting permissions: new policy versions, attaching or embedding policies, editing trust,
  removing permissions boundaries, adding a user to a group;
- minting credentials for another principal: access keys, console passwords, SSH keys, signing
  certificates, service-specific credentials;
- borrowing another role: ``iam:PassRole`` (to any service below) and ``sts:AssumeRole*``;
- running code under a passed or existing role: Lambda, EC2 (and its instance profiles, user data,
  launch templates), ECS tasks and exec, SSM commands and sessions on instances, Glue, CloudFormation,
  Data Pipeline, SageMaker, CodeBuild, CodeStar, Auto Scaling launch configurations, Step Functions.

Each entry is a case-insensitive glob over ``service:Action``; a statement grants one when any of
its (possibly wildcarded) actions can match a name the entry matches.
"""

from __future__ import annotations

ESCALATION_ACTIONS: tuple[str, ...] = (
    # Rewriting permissions (Rhino methods 1, 2, 7-14 and the boundary and trust variants).
    "iam:Create*",
    "iam:Put*",
    "iam:Attach*",
    "iam:Update*",
    "iam:Set*",
    "iam:Add*",
    "iam:Delete*PermissionsBoundary",
    "iam:Delete*Policy",
    "iam:Detach*Policy",
    "iam:Upload*",
    "iam:ResetServiceSpecificCredential",
    # Borrowing another role.
    "iam:PassRole",
    "sts:AssumeRole*",
    "sts:GetFederationToken",
    # Running code under a role (Rhino methods 3, 15-21 and later write-ups).
    "lambda:CreateFunction",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:CreateEventSourceMapping",
    "lambda:AddPermission",
    "lambda:InvokeFunction",
    "ec2:RunInstances",
    "ec2:RequestSpotInstances",
    "ec2:ModifyInstanceAttribute",
    "ec2:AssociateIamInstanceProfile",
    "ec2:ReplaceIamInstanceProfileAssociation",
    "ec2:CreateLaunchTemplate*",
    "ec2:ModifyLaunchTemplate",
    "ecs:RegisterTaskDefinition",
    "ecs:RunTask",
    "ecs:StartTask",
    "ecs:CreateService",
    "ecs:UpdateService",
    "ecs:ExecuteCommand",
    "ssm:SendCommand",
    "ssm:StartSession",
    "ssm:StartAutomationExecution",
    "glue:CreateDevEndpoint",
    "glue:UpdateDevEndpoint",
    "glue:CreateJob",
    "glue:UpdateJob",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "cloudformation:CreateChangeSet",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:SetStackPolicy",
    "datapipeline:CreatePipeline",
    "datapipeline:PutPipelineDefinition",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreatePresignedNotebookInstanceUrl",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "codebuild:CreateProject",
    "codebuild:UpdateProject",
    "codebuild:StartBuild",
    "codestar:CreateProject",
    "codestar:AssociateTeamMember",
    "autoscaling:CreateLaunchConfiguration",
    "autoscaling:CreateAutoScalingGroup",
    "autoscaling:UpdateAutoScalingGroup",
    "states:CreateStateMachine",
    "states:UpdateStateMachine",
)


def globs_overlap(a: str, b: str) -> bool:
    """Whether some action name matches both IAM globs (``*`` any run, ``?`` one character).

    ``iam:Pass*`` and ``iam:PassRole`` overlap; so do ``iam:*Role*`` and ``iam:Create*``.
    """
    a, b = a.lower(), b.lower()
    seen: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key in seen:
            return seen[key]
        if i == len(a) and j == len(b):
            result = True
        elif i < len(a) and a[i] == "*":
            result = go(i + 1, j) or (j < len(b) and go(i, j + 1))
        elif j < len(b) and b[j] == "*":
            result = go(i, j + 1) or (i < len(a) and go(i + 1, j))
        elif i == len(a) or j == len(b):
            result = False
        else:
            result = (a[i] == b[j] or "?" in (a[i], b[j])) and go(i + 1, j + 1)
        seen[key] = result
        return result

    return go(0, 0)


def escalations(action: str) -> list[str]:
    """The escalation entries a granted (possibly wildcarded) action reaches."""
    return [entry for entry in ESCALATION_ACTIONS if globs_overlap(action, entry)]


__all__ = ["ESCALATION_ACTIONS", "escalations", "globs_overlap"]
