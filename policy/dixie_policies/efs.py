"""EFS policies: Dixie's data volume (the allowlist lives on it) is encrypted at rest and in transit,
and tasks reach it only through an access point that fixes who they are and where they land.

Property names follow the pulumi-aws schema (camelCase engine inputs): ``encrypted`` on
``aws:efs/fileSystem:FileSystem``; ``volumes[*].efsVolumeConfiguration.{transitEncryption,
authorizationConfig.{accessPointId, iam}}`` on the task definition; ``posixUser`` and
``rootDirectory.path`` on ``aws:efs/accessPoint:AccessPoint``. A task definition without volumes,
or with non-EFS volumes, has nothing to check.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs, Severity

from ._support import (
    EFS_ACCESS_POINT,
    EFS_FILE_SYSTEM,
    MANDATORY,
    TASK_DEFINITION,
    as_list,
    dig,
    is_map,
    is_true,
    resource_policy,
)


def _encrypted(args: ResourceValidationArgs) -> Iterator[str]:
    # EFS encrypts at rest only when asked at creation (false forces a new file system later).
    if not is_true(args.props.get("encrypted")):
        yield "encrypted must be true (encryption at rest can only be chosen when the file system is created)"


def _volumes_tls_access_point(args: ResourceValidationArgs) -> Iterator[str]:
    for index, volume in enumerate(as_list(args.props.get("volumes"))):
        efs = dig(volume, "efsVolumeConfiguration")
        if not is_map(efs):
            continue
        where = f"volumes[{index}].efsVolumeConfiguration"
        # ECS: an access point or IAM authorization requires transit encryption; without it
        # NFS traffic, the allowlist included, crosses the VPC in clear text.
        if efs.get("transitEncryption") != "ENABLED":
            yield f"{where}.transitEncryption must be ENABLED"
        authorization = efs.get("authorizationConfig")
        if not dig(authorization, "accessPointId"):
            yield (
                f"{where}.authorizationConfig.accessPointId must name an access point "
                "(it fixes the POSIX user and root directory, whatever uid the container runs as)"
            )
        if dig(authorization, "iam") != "ENABLED":
            yield (
                f"{where}.authorizationConfig.iam must be ENABLED "
                "(the file-system policy then admits only the task role)"
            )


def _access_point_identity(args: ResourceValidationArgs) -> Iterator[str]:
    if not is_map(args.props.get("posixUser")):
        yield "posixUser must be set (EFS.4: every client acts as one fixed uid/gid)"
    path = dig(args.props.get("rootDirectory"), "path")
    if not isinstance(path, str) or path.strip("/") == "":
        yield "rootDirectory.path must name a directory below / (EFS.3: clients never see the whole file system)"


POLICIES = [
    resource_policy(
        "efs-encrypted",
        "EFS file systems are encrypted at rest.",
        controls=("EFS.1", "CKV_AWS_42", "AVD-AWS-0037"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[EFS_FILE_SYSTEM],
        check=_encrypted,
    ),
    resource_policy(
        "taskdef-efs-volumes-tls-access-point",
        "Every EFS volume of a task definition uses transit encryption, an access point and IAM "
        "authorization.",
        controls=("CKV_AWS_97", "AVD-AWS-0035", "project"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[TASK_DEFINITION],
        check=_volumes_tls_access_point,
    ),
    resource_policy(
        "efs-access-point-identity",
        "EFS access points enforce a POSIX user and a root directory below /.",
        controls=("EFS.3", "EFS.4"),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[EFS_ACCESS_POINT],
        check=_access_point_identity,
    ),
]
