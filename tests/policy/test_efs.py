"""Dixie's data volume: the file system is encrypted, task definitions mount it over TLS through an
access point with IAM authorization, and the access point pins the POSIX user and a root below /."""

from __future__ import annotations

import pytest

from dixie_infra.offline import Resource
from tests.policy.support import (
    ABSENT,
    EFS_VOLUME,
    access_point,
    efs_volume,
    file_system,
    messages,
    task_definition,
)

VOLUMES = "taskdef-efs-volumes-tls-access-point"


def test_a_task_definition_without_volumes_passes() -> None:
    assert messages(VOLUMES, task_definition()) == []
    assert messages(VOLUMES, task_definition(volumes=[])) == []


def test_a_task_definition_with_a_correct_efs_volume_passes() -> None:
    assert messages(VOLUMES, task_definition(volumes=[EFS_VOLUME])) == []


def test_non_efs_volumes_are_not_judged_by_the_efs_rule() -> None:
    scratch = {"name": "scratch"}
    docker = {"name": "docker", "dockerVolumeConfiguration": {"scope": "task"}}
    assert messages(VOLUMES, task_definition(volumes=[scratch, docker])) == []


@pytest.mark.parametrize(
    ("volume", "expected"),
    [
        (
            efs_volume(transitEncryption=ABSENT),
            "volumes[0].efsVolumeConfiguration.transitEncryption must be ENABLED",
        ),
        (
            efs_volume(transitEncryption="DISABLED"),
            "volumes[0].efsVolumeConfiguration.transitEncryption must be ENABLED",
        ),
        (
            efs_volume(transitEncryption="enabled"),
            "volumes[0].efsVolumeConfiguration.transitEncryption must be ENABLED",
        ),
        (
            efs_volume(authorizationConfig={"iam": "ENABLED"}),
            "volumes[0].efsVolumeConfiguration.authorizationConfig.accessPointId must name an access point",
        ),
        (
            efs_volume(authorizationConfig={"accessPointId": "", "iam": "ENABLED"}),
            "volumes[0].efsVolumeConfiguration.authorizationConfig.accessPointId must name an access point",
        ),
        (
            efs_volume(authorizationConfig={"accessPointId": "fsap-0123456789abcdef0", "iam": "DISABLED"}),
            "volumes[0].efsVolumeConfiguration.authorizationConfig.iam must be ENABLED",
        ),
        (
            efs_volume(authorizationConfig={"accessPointId": "fsap-0123456789abcdef0"}),
            "volumes[0].efsVolumeConfiguration.authorizationConfig.iam must be ENABLED",
        ),
    ],
)
def test_efs_volumes_without_tls_access_point_or_iam_are_refused(volume: dict, expected: str) -> None:
    found = messages(VOLUMES, task_definition(volumes=[volume]))
    assert len(found) == 1 and found[0].startswith(f"TaskDefinition 'service-task': {expected}"), found


def test_a_bare_efs_volume_reports_every_missing_setting() -> None:
    bare = {"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}
    found = messages(VOLUMES, task_definition(volumes=[{"name": "scratch"}, bare]))
    assert [m.split(": ", 1)[1].split(" must", 1)[0] for m in found] == [
        "volumes[1].efsVolumeConfiguration.transitEncryption",
        "volumes[1].efsVolumeConfiguration.authorizationConfig.accessPointId",
        "volumes[1].efsVolumeConfiguration.authorizationConfig.iam",
    ]


@pytest.mark.parametrize(
    "fs", [file_system(encrypted=ABSENT), file_system(encrypted=False), file_system(encrypted="false")]
)
def test_unencrypted_file_systems_are_refused(fs: Resource) -> None:
    assert messages("efs-encrypted", fs) == [
        "FileSystem 'data-file-system': encrypted must be true (encryption at rest can only be chosen "
        "when the file system is created)"
    ]


def test_encrypted_file_system_passes() -> None:
    assert messages("efs-encrypted", file_system()) == []
    assert messages("efs-encrypted", file_system(encrypted="true")) == []


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        (access_point(posixUser=ABSENT), "posixUser must be set"),
        (access_point(rootDirectory=ABSENT), "rootDirectory.path must name a directory below /"),
        (access_point(rootDirectory={"path": "/"}), "rootDirectory.path must name a directory below /"),
        (access_point(rootDirectory={"path": "//"}), "rootDirectory.path must name a directory below /"),
    ],
)
def test_access_points_must_pin_user_and_root(point: Resource, expected: str) -> None:
    found = messages("efs-access-point-identity", point)
    assert len(found) == 1 and expected in found[0], found


def test_access_point_with_user_and_root_passes() -> None:
    assert messages("efs-access-point-identity", access_point()) == []
