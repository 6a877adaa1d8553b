"""Dixie's data volume: the allowlist on EFS, readable, writable and kept across deploys."""

from __future__ import annotations

import json
import posixpath

from dixie_infra.offline import Evaluation
from tests.program.helpers import (
    EGRESS,
    INGRESS,
    REPLICATION_GROUP,
    SERVICE,
    TASK_DEF,
    container,
    environment,
    policy,
    rules,
    sg_id,
)

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"
MOUNT_TARGET = "aws:efs/mountTarget:MountTarget"
SUBNETS = ["subnet-0a08a8fce7004ee11", "subnet-07973b30fe8f675e7"]


def test_the_file_system_is_encrypted_backed_up_and_protected(each_stack: Evaluation) -> None:
    fs = each_stack.one(FILE_SYSTEM)
    service = each_stack.plain_outputs["serviceName"]
    assert (fs.plain["creationToken"], fs.plain["tags"]) == (f"{service}-data", {"Name": f"{service}-data"})
    assert fs.plain["encrypted"] is True
    assert fs.protect is True
    backup = each_stack.one("aws:efs/backupPolicy:BackupPolicy").plain
    assert backup == {"fileSystemId": fs.id, "backupPolicy": {"status": "ENABLED"}}


def test_a_mount_target_in_each_private_subnet_behind_its_own_group(armitage: Evaluation) -> None:
    fs = armitage.one(FILE_SYSTEM)
    data_sg = sg_id(armitage, "dixie-armitage-efs")
    targets = [r.plain for r in armitage.of_type(MOUNT_TARGET)]
    assert sorted(t["subnetId"] for t in targets) == sorted(SUBNETS)
    for target in targets:
        assert (target["fileSystemId"], target["securityGroups"]) == (fs.id, [data_sg])


def test_nfs_is_admitted_only_from_the_service_group(armitage: Evaluation) -> None:
    data_sg = sg_id(armitage, "dixie-armitage-efs")
    service_sg = sg_id(armitage, "dixie-armitage-ecs")
    ingress = rules(armitage, INGRESS, data_sg)
    assert [
        (r["ipProtocol"], r["fromPort"], r["toPort"], r["referencedSecurityGroupId"]) for r in ingress
    ] == [("tcp", 2049, 2049, service_sg)]
    assert all("cidrIpv4" not in r for r in ingress)
    assert rules(armitage, EGRESS, data_sg) == []
    to_data = [
        r for r in rules(armitage, EGRESS, service_sg) if r.get("referencedSecurityGroupId") == data_sg
    ]
    assert [(r["fromPort"], r["toPort"]) for r in to_data] == [(2049, 2049)]


def test_the_access_point_owns_its_root_whatever_uid_the_container_runs_as(armitage: Evaluation) -> None:
    ap = armitage.one(ACCESS_POINT).plain
    assert ap["fileSystemId"] == armitage.one(FILE_SYSTEM).id
    user = ap["posixUser"]
    root = ap["rootDirectory"]
    assert root["path"] not in ("", "/")
    created = root["creationInfo"]
    assert (created["ownerUid"], created["ownerGid"]) == (user["uid"], user["gid"])
    assert user["uid"] != 0 and user["gid"] != 0
    assert int(created["permissions"], 8) & 0o700 == 0o700  # the owner can read, write and enter


def test_the_file_system_refuses_plain_nfs_and_any_way_in_but_the_access_point(armitage: Evaluation) -> None:
    fs = armitage.one(FILE_SYSTEM)
    ap = armitage.one(ACCESS_POINT)
    resource = armitage.one("aws:efs/fileSystemPolicy:FileSystemPolicy")
    assert resource.plain["fileSystemId"] == fs.id
    statements = policy(resource)["Statement"]
    denies = [s for s in statements if s["Effect"] == "Deny"]
    client = {"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"}
    tls = [s for s in denies if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    outside = [
        s
        for s in denies
        if s.get("Condition") == {"StringNotEquals": {"elasticfilesystem:AccessPointArn": ap.outputs["arn"]}}
    ]
    for found in (tls, outside):
        (statement,) = found
        assert statement["Principal"] == {"AWS": "*"}
        assert statement["Resource"] == fs.outputs["arn"]
        assert client <= set(statement["Action"])
    assert [s for s in statements if s["Effect"] == "Allow"] == []


def test_the_task_mounts_the_volume_at_data_through_the_access_point(armitage: Evaluation) -> None:
    task = armitage.one(TASK_DEF).plain
    (volume,) = task["volumes"]
    efs = volume["efsVolumeConfiguration"]
    assert efs["fileSystemId"] == armitage.one(FILE_SYSTEM).id
    assert efs["transitEncryption"] == "ENABLED"
    assert efs["authorizationConfig"] == {"accessPointId": armitage.one(ACCESS_POINT).id, "iam": "ENABLED"}
    (mount,) = container(armitage)["mountPoints"]
    assert mount == {"sourceVolume": volume["name"], "containerPath": "/data", "readOnly": False}
    # The app writes <path>.tmp then renames it: the file's directory must be the mounted one.
    allowlist = environment(armitage)["DIXIE_ALLOWLIST_PATH"]
    assert posixpath.dirname(allowlist) == mount["containerPath"]
    # EFS on Fargate needs platform 1.4.0 or later.
    assert armitage.one(SERVICE).plain["platformVersion"] in ("LATEST", "1.4.0")


def test_the_service_starts_only_once_the_volume_can_be_mounted(armitage: Evaluation) -> None:
    waits_for = armitage.depends_on(armitage.one(SERVICE))
    for target in armitage.of_type(MOUNT_TARGET):
        assert target.urn in waits_for
    assert armitage.one("aws:efs/fileSystemPolicy:FileSystemPolicy").urn in waits_for


def test_the_volume_is_built_beside_redis_not_after_it(each_stack: Evaluation) -> None:
    # Redis takes 10-15 minutes; chaining the volume behind it (or the reverse) would lengthen
    # the first deploy's critical path.
    redis = each_stack.one(REPLICATION_GROUP)
    data = [r for r in each_stack.resources if r.type.startswith("aws:efs/")]
    assert len(data) >= 6  # file system, backups, policy, access point, a mount target per subnet
    for resource in data:
        assert redis.urn not in each_stack.depends_on(resource), resource.name
        assert resource.urn not in each_stack.depends_on(redis), resource.name


def test_nothing_else_reads_the_volume(each_stack: Evaluation) -> None:
    # Only the service's own task role is allowed to mount it.
    grants = [
        r.name
        for r in each_stack.of_type("aws:iam/rolePolicy:RolePolicy")
        if "elasticfilesystem" in json.dumps(policy(r))
    ]
    assert grants == ["service-task-permissions"]
