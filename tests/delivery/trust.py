"""The delivery pipeline's trust rules as functions, so the tests can run them on the real files and
on deliberately broken copies (a rule that cannot find a hole proves nothing).

* :func:`credential_holes` — which jobs reachable from a pull request can obtain AWS credentials
  without waiting in an approval environment;
* :func:`policy_problems` — what a CI role's IAM policy grants beyond the rules in
  docs/trust-model.md (wildcard actions, other teams' parameters, other buckets, other keys);
* :func:`trust_problems` — which OIDC subjects a role's trust policy admits beyond the allowed ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
IAM = ROOT / "deploy" / "iam"
ACCOUNT = "891376933289"
REGION = "us-east-1"
#: Environments whose required reviewers must approve a job before it runs.
APPROVAL_ENVIRONMENTS = frozenset({"armitage-preview", "armitage", "production"})
#: Events a pull request's author controls the workflow of.
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
#: The placeholders the policy files carry; docs/deploying.md says how to fill them.
PLACEHOLDERS = ("<state-bucket>", "<secrets-key-id>", "<owner>/<repo>")


def load_workflow(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict), path
    return document


def triggers(workflow: Mapping[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, dict):
        return dict(on)
    return dict.fromkeys([on] if isinstance(on, str) else list(on or []))


def _environment_name(job: Mapping[str, Any]) -> str | None:
    environment = job.get("environment")
    if isinstance(environment, dict):
        environment = environment.get("name")
    return str(environment) if environment else None


def _gets_credentials(job: Mapping[str, Any]) -> bool:
    permissions = job.get("permissions")
    oidc = permissions == "write-all" or (
        isinstance(permissions, dict) and permissions.get("id-token") == "write"
    )
    configure = any(
        str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials@")
        for step in job.get("steps", [])
    )
    return oidc or configure


def _local_workflow(uses: str, workflows_dir: Path) -> Path | None:
    for prefix in ("./", "$/"):
        if uses.startswith(prefix):
            return workflows_dir.parent.parent / uses[len(prefix) :].split("@")[0]
    return None


def credential_holes(workflows_dir: Path) -> list[str]:
    """Jobs that run on a pull request's event, can obtain AWS credentials (an OIDC token or the
    credentials action) and are not in an approval environment. Follows local reusable workflows:
    a called workflow runs with its caller's event."""
    holes: list[str] = []

    def visit(path: Path, via: str, inherited_environment: str | None) -> None:
        workflow = load_workflow(path)
        for name, job in workflow.get("jobs", {}).items():
            where = f"{via}{path.name}/{name}"
            environment = _environment_name(job) or inherited_environment
            uses = job.get("uses")
            if uses:
                called = _local_workflow(str(uses), workflows_dir)
                if called is None:
                    holes.append(f"{where}: calls the remote workflow {uses} (cannot be checked)")
                else:
                    visit(called, f"{where} -> ", environment)
                continue
            if _gets_credentials(job) and environment not in APPROVAL_ENVIRONMENTS:
                holes.append(f"{where}: AWS credentials without an approval environment ({environment!r})")

    for path in sorted(workflows_dir.glob("*.y*ml")):
        if PULL_REQUEST_EVENTS & set(triggers(load_workflow(path))):
            visit(path, "", None)
    return holes


# --- IAM ---------------------------------------------------------------------------------------


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def load_policy(name: str, env: str = "armitage") -> dict[str, Any]:
    document = json.loads((IAM / env / name).read_text())
    assert isinstance(document, dict)
    return document


def _parameter_path(resource: str) -> str | None:
    match = re.fullmatch(r"arn:aws:ssm:[^:]*:[^:]*:parameter(/.*)", resource)
    return match.group(1) if match else None


def policy_problems(
    document: Mapping[str, Any], env: str, *, extra_parameters: Iterable[str] = ()
) -> list[str]:
    """What the policy grants beyond the rules: every action named exactly; parameter reads only
    under /dixie/<env>/ (plus the listed extra parameters); S3 only on the state bucket; KMS only
    on the secrets key, or through SSM for this environment's parameters."""
    problems: list[str] = []
    own_prefix = f"/dixie/{env}"
    extra = set(extra_parameters)
    for statement in statements(document):
        sid = statement.get("Sid", "?")
        if statement.get("Effect") != "Allow":
            problems.append(f"{sid}: only Allow statements (a Deny here would hide what is granted)")
        for key in ("NotAction", "NotResource", "NotPrincipal"):
            if key in statement:
                problems.append(f"{sid}: {key} grants everything it does not name")
        actions = as_list(statement.get("Action"))
        resources = as_list(statement.get("Resource"))
        for action in actions:
            if "*" in action or "?" in action or ":" not in action:
                problems.append(f"{sid}: wildcard or malformed action {action!r}")
        for action in actions:
            service, _, verb = action.partition(":")
            if service == "ssm" and (verb.startswith("GetParameter") or verb == "*"):
                for resource in resources:
                    path = _parameter_path(resource)
                    inside = path is not None and (path == own_prefix or path.startswith(own_prefix + "/"))
                    if not inside and path not in extra:
                        problems.append(f"{sid}: {action} on {resource} (outside {own_prefix}/)")
            if service == "s3":
                for resource in resources:
                    if not re.fullmatch(r"arn:aws:s3:::<state-bucket>(/\.pulumi/.+)?", resource):
                        problems.append(f"{sid}: {action} on {resource} (not the state bucket's .pulumi/)")
            if service == "kms":
                condition = statement.get("Condition", {})
                via_ssm = (
                    condition.get("StringEquals", {}).get("kms:ViaService") == f"ssm.{REGION}.amazonaws.com"
                )
                context = condition.get("StringLike", {}).get("kms:EncryptionContext:PARAMETER_ARN")
                scoped_context = context == f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{own_prefix}/*"
                for resource in resources:
                    if resource == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/<secrets-key-id>":
                        continue
                    if not (via_ssm and scoped_context):
                        problems.append(
                            f"{sid}: {action} on {resource} without kms:ViaService ssm and this "
                            f"environment's PARAMETER_ARN context"
                        )
    return problems


def policy_actions(document: Mapping[str, Any]) -> set[str]:
    return {a for s in statements(document) for a in as_list(s.get("Action"))}


def trust_problems(document: Mapping[str, Any], allowed_subjects: set[str]) -> list[str]:
    """OIDC subjects admitted beyond ``allowed_subjects``, wildcards, or a missing audience."""
    problems: list[str] = []
    for statement in statements(document):
        sid = statement.get("Sid", "?")
        if statement.get("Action") != "sts:AssumeRoleWithWebIdentity":
            problems.append(f"{sid}: trusts {statement.get('Action')!r}")
        condition = statement.get("Condition", {})
        if set(condition) != {"StringEquals"}:
            problems.append(
                f"{sid}: conditions other than StringEquals ({sorted(condition)}) can widen subjects"
            )
        equals = condition.get("StringEquals", {})
        if equals.get("token.actions.githubusercontent.com:aud") != "sts.amazonaws.com":
            problems.append(f"{sid}: no audience condition")
        subjects = set(as_list(equals.get("token.actions.githubusercontent.com:sub")))
        if not subjects:
            problems.append(f"{sid}: no subject condition (any repository's workflow)")
        for subject in sorted(subjects - allowed_subjects):
            problems.append(f"{sid}: admits {subject!r}")
    return problems
