"""Placeholder answers for every resource and invoke the program registers: ids, ARNs and endpoints
shaped like AWS's (so formats can be checked) that name nothing real.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import pulumi

from dixie_infra import aws_types as t
from dixie_infra.offline.record import unwrap

PLACEHOLDER_ACCOUNT = "123456789012"
SECRET_PLACEHOLDER = "offline-placeholder-secret"


def _hex(seed: str, length: int) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    while len(digest) < length:
        digest += hashlib.sha256(digest.encode()).hexdigest()
    return digest[:length]


class OfflineMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes with placeholder values shaped like AWS's.

    ``parameter_versions`` sets the ``version`` of SSM parameters by name (default 1), to show
    that a changed value rolls the service. ``missing_image_tags`` makes the ECR image lookup
    fail for those tags, as AWS does when the tag was never pushed. ``existing_image_tags``
    lists tags already in the repository (an app-source build of such a tag is reused);
    ``images_error`` makes listing them fail with that text (e.g. RepositoryNotFoundException).
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account: str = PLACEHOLDER_ACCOUNT,
        parameter_versions: Mapping[str, int] | None = None,
        missing_image_tags: frozenset[str] = frozenset(),
        existing_image_tags: frozenset[str] = frozenset(),
        images_error: str | None = None,
    ):
        self.region = region
        self.account = account
        self.parameter_versions = dict(parameter_versions or {})
        self.missing_image_tags = missing_image_tags
        self.existing_image_tags = existing_image_tags
        self.images_error = images_error
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        #: (type, logical name) of every resource registered, in order.
        self.registered: list[tuple[str, str]] = []

    def _arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"
        )

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append((args.typ, args.name))
        inputs = dict(args.inputs)
        plain = unwrap(inputs)
        name = plain.get("name") or args.name
        typ = args.typ
        rid = f"{args.name}-id"
        extra: dict[str, Any] = {}
        if typ == t.ECR_REPOSITORY:
            rid = name
            extra = {
                "arn": self._arn("ecr", f"repository/{name}"),
                "registryId": self.account,
                "repositoryUrl": f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{name}",
            }
        elif typ == t.SECURITY_GROUP:
            rid = f"sg-{_hex(name, 17)}"
            extra = {"arn": self._arn("ec2", f"security-group/{rid}")}
        elif typ.startswith("aws:vpc/securityGroup"):
            rid = f"sgr-{_hex(args.name, 17)}"
        elif typ == t.SSM_PARAMETER:
            rid = name
            extra = {
                "arn": self._arn("ssm", f"parameter{name}"),
                "version": self.parameter_versions.get(name, 1),
            }
        elif typ == t.IAM_ROLE:
            rid = name
            extra = {
                "arn": self._arn("iam", f"role/{name}", region=False),
                "uniqueId": f"AROA{_hex(name, 17).upper()}",
            }
        elif typ == t.LOG_GROUP:
            rid = name
            extra = {"arn": self._arn("logs", f"log-group:{name}")}
        elif typ == t.TASK_DEFINITION:
            family = plain["family"]
            revision = int(_hex(json.dumps(plain, sort_keys=True), 4), 16) % 97 + 1
            rid = family
            extra = {
                "arn": self._arn("ecs", f"task-definition/{family}:{revision}"),
                "arnWithoutRevision": self._arn("ecs", f"task-definition/{family}"),
                "revision": revision,
            }
        elif typ == t.ECS_SERVICE:
            rid = self._arn("ecs", f"service/{plain.get('cluster', '').rsplit('/', 1)[-1]}/{name}")
        elif typ == t.TARGET_GROUP:
            suffix = f"targetgroup/{name}/{_hex(name, 16)}"
            rid = self._arn("elasticloadbalancing", suffix)
            extra = {"arn": rid, "arnSuffix": suffix}
        elif typ == t.LISTENER_RULE:
            listener = str(plain.get("listenerArn", ""))
            rid = listener.replace(":listener/", ":listener-rule/") + f"/{_hex(args.name, 16)}"
            extra = {"arn": rid}
        elif typ == t.REPLICATION_GROUP:
            rid = plain["replicationGroupId"]
            extra = {
                "arn": self._arn("elasticache", f"replicationgroup:{rid}"),
                "primaryEndpointAddress": f"master.{rid}.{_hex(rid, 6)}.use1.cache.amazonaws.com",
                "readerEndpointAddress": f"replica.{rid}.{_hex(rid, 6)}.use1.cache.amazonaws.com",
                "memberClusters": [
                    f"{rid}-{i:03d}" for i in range(1, int(plain.get("numCacheClusters", 1)) + 1)
                ],
            }
        elif typ in (
            t.REDIS_SUBNET_GROUP,
            t.REDIS_PARAMETER_GROUP,
        ):
            rid = name
        elif typ == t.SNS_TOPIC:
            rid = self._arn("sns", name)
            extra = {"arn": rid}
        elif typ == t.METRIC_ALARM:
            rid = name
            extra = {"arn": self._arn("cloudwatch", f"alarm:{name}")}
        elif typ == t.EFS_FILE_SYSTEM:
            rid = f"fs-{_hex(str(plain.get('creationToken') or args.name), 17)}"
            extra = {
                "arn": self._arn("elasticfilesystem", f"file-system/{rid}"),
                "dnsName": f"{rid}.efs.{self.region}.amazonaws.com",
            }
        elif typ == t.EFS_ACCESS_POINT:
            rid = f"fsap-{_hex(args.name, 17)}"
            extra = {"arn": self._arn("elasticfilesystem", f"access-point/{rid}")}
        elif typ == t.EFS_MOUNT_TARGET:
            rid = f"fsmt-{_hex(args.name, 17)}"
        elif typ == t.EVENT_RULE:
            rid = name
            extra = {"arn": self._arn("events", f"rule/{name}")}
        elif typ == t.ROUTE53_RECORD:
            rid = f"{plain.get('zoneId')}_{name}_{plain.get('type')}"
            extra = {"fqdn": name}
        elif typ == t.RANDOM_PASSWORD:
            length = int(plain.get("length", 32))
            specials = str(plain.get("overrideSpecial") or "")
            seed = _hex(args.name, length)
            chars = [
                c if i % 7 else (specials[i % len(specials)] if specials and plain.get("special") else c)
                for i, c in enumerate(seed)
            ]
            extra = {"result": "".join(chars)}
        elif typ == t.RANDOM_BYTES:
            hexed = _hex(args.name, int(plain.get("length", 32)) * 2)
            extra = {"hex": hexed, "base64": hexed}
        elif typ == t.DOCKER_IMAGE:
            image_name = str(plain.get("imageName", ""))
            extra = {
                "repoDigest": f"{image_name.rsplit(':', 1)[0]}@sha256:{_hex(image_name, 64)}",
                "imageName": image_name,
            }
        return rid, {**inputs, **extra}

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        plain = unwrap(dict(args.args))
        self.invokes.append((args.token, plain))
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account,
                "arn": f"arn:aws:sts::{self.account}:assumed-role/offline/offline",
                "userId": "AROAOFFLINE:offline",
                "id": self.account,
            }
        if token == "aws:index/getRegion:getRegion":
            return {
                "name": self.region,
                "region": self.region,
                "id": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
            }
        if token == "aws:rds/getInstance:getInstance":
            ident = plain.get("dbInstanceIdentifier", "db")
            address = f"{ident}.c{_hex(ident, 12)}.{self.region}.rds.amazonaws.com"
            return {
                "id": ident,
                "dbInstanceIdentifier": ident,
                "address": address,
                "endpoint": f"{address}:5432",
                "port": 5432,
                "engine": "postgres",
                "vpcSecurityGroups": [f"sg-{_hex(ident, 17)}"],
                "dbInstanceArn": self._arn("rds", f"db:{ident}"),
            }
        if token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                "id": self.account,
                "proxyEndpoint": f"https://{self.account}.dkr.ecr.{self.region}.amazonaws.com",
                "userName": "AWS",
                "password": SECRET_PLACEHOLDER,
                "authorizationToken": SECRET_PLACEHOLDER,
                "expiresAt": "2099-01-01T00:00:00Z",
            }
        if token == "aws:ecr/getImage:getImage":
            tag = plain.get("imageTag", "")
            if tag in self.missing_image_tags:
                return _provider_failure(
                    f"ImageNotFoundException: image tag {tag!r} not found in {plain.get('repositoryName')!r}"
                )
            digest = f"sha256:{_hex(str(plain.get('repositoryName')) + tag, 64)}"
            return {
                "id": digest,
                "imageDigest": digest,
                "imageTags": [tag],
                "imagePushedAt": 1767225600,
                "imageSizeInBytes": 123456789,
                "imageUri": f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{plain.get('repositoryName')}@{digest}",
                "repositoryName": plain.get("repositoryName"),
                "registryId": self.account,
            }
        if token == "aws:ecr/getImages:getImages":
            if self.images_error:
                return _provider_failure(self.images_error)
            return {
                "id": plain.get("repositoryName"),
                "repositoryName": plain.get("repositoryName"),
                "imageIds": [
                    {"imageTag": t, "imageDigest": f"sha256:{_hex(t, 64)}"}
                    for t in sorted(self.existing_image_tags)
                ],
            }
        raise NotImplementedError(f"offline runner has no answer for invoke {token}")


def _provider_failure(reason: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """An invoke that the provider refused, answered as the engine does: a failure in the
    response, which the SDK raises at the call site (a raised exception would instead be an
    RPC-level error that fails the whole program, which AWS errors are not)."""
    return {}, [("", reason)]
