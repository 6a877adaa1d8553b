"""What the state cannot say, asked of AWS with boto3: existence, hand-made resources, rule ids."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from scripts._aws import get_parameter
from scripts.adopt.program import Declared
from scripts.adopt.terraform import RuleKey, rule_key, vpc_rule_peer


class AwsLookup:
    """What the state cannot say, asked of AWS: hand-made resources and ``sgr-`` rule ids."""

    def __init__(self, session: Any):
        self.session = session
        self.ec2 = session.client("ec2")
        self.ecr = session.client("ecr")
        self.ssm = session.client("ssm")
        self._clients: dict[str, Any] = {"ec2": self.ec2, "ecr": self.ecr, "ssm": self.ssm}
        self.finders: dict[str, Callable[[Declared], tuple[str, dict[str, Any]] | None]] = {
            "aws:ecr/repository:Repository": self.repository,
            "aws:ecr/lifecyclePolicy:LifecyclePolicy": self.lifecycle_policy,
        }

    def repository(self, declared: Declared) -> tuple[str, dict[str, Any]] | None:
        name = declared.physical_name
        try:
            found = self.ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "RepositoryNotFoundException":
                return None
            raise
        encryption = found.get("encryptionConfiguration") or {}
        current = {
            "id": name,
            "name": name,
            "arn": found.get("repositoryArn"),
            "image_tag_mutability": found.get("imageTagMutability"),
            "image_scanning_configuration": [
                {"scan_on_push": (found.get("imageScanningConfiguration") or {}).get("scanOnPush", False)}
            ],
            "encryption_configuration": [
                {
                    "encryption_type": encryption.get("encryptionType", "AES256"),
                    "kms_key": encryption.get("kmsKey", ""),
                }
            ],
        }
        return name, current

    def lifecycle_policy(self, declared: Declared) -> tuple[str, dict[str, Any]] | None:
        name = str(declared.plain.get("repository") or "")
        try:
            found = self.ecr.get_lifecycle_policy(repositoryName=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in (
                "LifecyclePolicyNotFoundException",
                "RepositoryNotFoundException",
            ):
                return None
            raise
        return name, {"id": name, "repository": name, "policy": found.get("lifecyclePolicyText", "")}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service)
        return self._clients[service]

    def caller(self) -> tuple[str, str]:
        """(account, partition) of the credentials in use (``sts:GetCallerIdentity``)."""
        identity = self.client("sts").get_caller_identity()
        return str(identity["Account"]), str(identity["Arn"]).split(":")[1]

    def exists(self, pulumi_type: str, import_id: str, values: Mapping[str, Any]) -> bool:
        """Whether AWS has the resource terraform recorded (by the id ``pulumi import`` uses)."""
        lookup = EXISTENCE[pulumi_type]
        try:
            return lookup(self, import_id, values)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in NOT_FOUND_CODES:
                return False
            raise

    def string_parameter(self, name: str) -> str | None:
        """The value of a String parameter; None for a SecureString (never read) or no parameter."""
        found = get_parameter(self.ssm, name, decrypt=False)
        if found is None or found.get("Type") != "String":
            return None
        return str(found.get("Value", ""))

    def security_group_rules(self, group_ids: list[str]) -> dict[RuleKey, tuple[str, str]]:
        """Every rule on these groups: AWS key -> (rule id, description)."""
        found: dict[RuleKey, tuple[str, str]] = {}
        paginator = self.ec2.get_paginator("describe_security_group_rules")
        for page in paginator.paginate(Filters=[{"Name": "group-id", "Values": group_ids}]):
            for rule in page.get("SecurityGroupRules", []):
                peer = vpc_rule_peer(
                    rule.get("CidrIpv4"),
                    rule.get("CidrIpv6"),
                    rule.get("PrefixListId"),
                    (rule.get("ReferencedGroupInfo") or {}).get("GroupId"),
                )
                key = rule_key(
                    egress=bool(rule.get("IsEgress")),
                    group_id=rule["GroupId"],
                    protocol=rule.get("IpProtocol"),
                    from_port=rule.get("FromPort"),
                    to_port=rule.get("ToPort"),
                    peer=peer,
                )
                found[key] = (rule["SecurityGroupRuleId"], rule.get("Description") or "")
        return found


#: Error codes with which AWS says "no such resource" (each API has its own).
NOT_FOUND_CODES = frozenset(
    {
        "RepositoryNotFoundException",
        "LifecyclePolicyNotFoundException",
        "InvalidGroup.NotFound",
        "InvalidGroupId.Malformed",
        "CacheSubnetGroupNotFoundFault",
        "CacheParameterGroupNotFound",
        "ReplicationGroupNotFoundFault",
        "TargetGroupNotFound",
        "RuleNotFound",
        "ListenerNotFound",
        "NoSuchHostedZone",
        "ResourceNotFoundException",
        "NoSuchEntity",
        "ClusterNotFoundException",
        "ParameterNotFound",
        "NotFound",
        "NotFoundException",
    }
)


def _route53_record(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    zone, name, type_ = str(values.get("zone_id")), str(values.get("name", "")), str(values.get("type"))
    fqdn = name.rstrip(".") + "."
    found = aws.client("route53").list_resource_record_sets(
        HostedZoneId=zone, StartRecordName=fqdn, StartRecordType=type_, MaxItems="1"
    )["ResourceRecordSets"]
    return any(r["Name"].rstrip(".") == fqdn.rstrip(".") and r["Type"] == type_ for r in found)


def _attached(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    role, policy = str(values.get("role")), str(values.get("policy_arn"))
    pages = aws.client("iam").get_paginator("list_attached_role_policies").paginate(RoleName=role)
    return any(a["PolicyArn"] == policy for page in pages for a in page["AttachedPolicies"])


def _ecs_service(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    cluster, _, name = import_id.partition("/")
    found = aws.client("ecs").describe_services(cluster=cluster, services=[name])["services"]
    # A deleted service lingers as INACTIVE for a while; it cannot be imported.
    return any(s.get("status") != "INACTIVE" for s in found)


def _log_group(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    found = aws.client("logs").describe_log_groups(logGroupNamePrefix=import_id)["logGroups"]
    return any(g["logGroupName"] == import_id for g in found)


def _metric_filter(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    group, name = str(values.get("log_group_name")), str(values.get("name"))
    found = aws.client("logs").describe_metric_filters(logGroupName=group, filterNamePrefix=name)
    return any(f["filterName"] == name for f in found["metricFilters"])


def _task_definition(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    try:
        found = aws.client("ecs").describe_task_definition(taskDefinition=import_id)["taskDefinition"]
    except ClientError as exc:
        # ECS answers an unknown revision with the catch-all ClientException, not a NotFound code.
        error = exc.response.get("Error", {})
        if error.get("Code") == "ClientException" and "Unable to describe" in error.get("Message", ""):
            return False
        raise
    return bool(found)


def _parameter(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    return get_parameter(aws.ssm, import_id, decrypt=False) is not None


def _non_empty(service: str, call: str, key: str, **ids: Callable[[str], Any]) -> Callable[..., bool]:
    def lookup(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
        response = getattr(aws.client(service), call)(**{k: f(import_id) for k, f in ids.items()})
        return bool(response.get(key))

    return lookup


#: Pulumi type -> how to ask AWS whether the resource with this import id exists. A lookup
#: answers False, or raises a ClientError whose code is in NOT_FOUND_CODES, when it does not.
EXISTENCE: dict[str, Callable[[AwsLookup, str, Mapping[str, Any]], bool]] = {
    "aws:ecr/repository:Repository": _non_empty(
        "ecr", "describe_repositories", "repositories", repositoryNames=lambda i: [i]
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _non_empty(
        "ecr", "get_lifecycle_policy", "lifecyclePolicyText", repositoryName=lambda i: i
    ),
    "aws:ec2/securityGroup:SecurityGroup": _non_empty(
        "ec2", "describe_security_groups", "SecurityGroups", GroupIds=lambda i: [i]
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": _non_empty(
        "elasticache", "describe_cache_subnet_groups", "CacheSubnetGroups", CacheSubnetGroupName=lambda i: i
    ),
    "aws:elasticache/parameterGroup:ParameterGroup": _non_empty(
        "elasticache",
        "describe_cache_parameter_groups",
        "CacheParameterGroups",
        CacheParameterGroupName=lambda i: i,
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": _non_empty(
        "elasticache", "describe_replication_groups", "ReplicationGroups", ReplicationGroupId=lambda i: i
    ),
    "aws:lb/targetGroup:TargetGroup": _non_empty(
        "elbv2", "describe_target_groups", "TargetGroups", TargetGroupArns=lambda i: [i]
    ),
    "aws:lb/listenerRule:ListenerRule": _non_empty(
        "elbv2", "describe_rules", "Rules", RuleArns=lambda i: [i]
    ),
    "aws:route53/record:Record": _route53_record,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:iam/role:Role": _non_empty("iam", "get_role", "Role", RoleName=lambda i: i),
    "aws:iam/rolePolicy:RolePolicy": _non_empty(
        "iam",
        "get_role_policy",
        "PolicyName",
        RoleName=lambda i: i.split(":", 1)[0],
        PolicyName=lambda i: i.split(":", 1)[1],
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _attached,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/service:Service": _ecs_service,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:sns/topic:Topic": _non_empty("sns", "get_topic_attributes", "Attributes", TopicArn=lambda i: i),
    "aws:sns/topicSubscription:TopicSubscription": _non_empty(
        "sns", "get_subscription_attributes", "Attributes", SubscriptionArn=lambda i: i
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _non_empty(
        "cloudwatch", "describe_alarms", "MetricAlarms", AlarmNames=lambda i: [i]
    ),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": _metric_filter,
}
