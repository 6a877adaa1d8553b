"""Data volume: Dixie's ``/data`` (the allowlist file) on EFS, surviving every deploy.

Why: the app keeps its allowlist in ``DIXIE_ALLOWLIST_PATH`` (default ``/data/allowlist.json``)
and writes it as ``<path>.tmp`` then a rename (loa-dixie ``app/src/middleware/allowlist.ts``).
The image's ``/app`` is root-owned and the process runs as the non-root ``dixie`` user
(``deploy/Dockerfile``), so the state needs a writable, persistent volume: without one every gated
``/api/*`` route denies and an admin's addition is lost at the next task.

Creates: EFS file system ``<svc>-data`` (encrypted, automatic backups, protected: deleting it
loses the allowlist), security group ``<svc>-efs`` admitting NFS (2049) only from the service SG,
the service SG's egress 2049 to it (standalone: the groups reference each other), one mount
target per private subnet, an access point that acts as one fixed POSIX user on a root directory
it creates with that owner (so the container's uid does not matter), and a file-system policy
that refuses clients not using TLS and clients not coming through that access point.

Requires: the VPC, the private subnets, the service SG. Nothing here waits for Redis or the ECS
service, so the volume is built while Redis (10-15 minutes) is.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from dixie_infra import names
from dixie_infra.components import TYPE_PREFIX, child
from dixie_infra.components.network import egress_to, ingress_from

#: The access point's root, created on first use with the fixed owner.
ROOT_DIRECTORY = "/dixie"
ROOT_PERMISSIONS = "0750"
CLIENT_ACTIONS = ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite")


@dataclass(frozen=True)
class DataVolumeArgs:
    file_system_name: str
    security_group_name: str
    access_point_name: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    service_security_group_id: pulumi.Input[str]


def file_system_policy(
    file_system_arn: pulumi.Input[str], access_point_arn: pulumi.Input[str]
) -> dict[str, object]:
    """Refuse NFS clients without TLS, and clients not coming through Dixie's access point.

    Grants nothing: the task role's own policy allows the mount (same account, identity policy
    suffices). A negated condition on a key the request lacks matches (IAM policy evaluation:
    "...IfExists" aside, a missing key makes StringNotEquals true), so a mount without any access
    point is refused too.
    """
    client_actions = [*CLIENT_ACTIONS, "elasticfilesystem:ClientRootAccess"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyWithoutTls",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": client_actions,
                "Resource": file_system_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOutsideTheAccessPoint",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": client_actions,
                "Resource": file_system_arn,
                "Condition": {"StringNotEquals": {"elasticfilesystem:AccessPointArn": access_point_arn}},
            },
        ],
    }


class DataVolume(pulumi.ComponentResource):
    file_system: aws.efs.FileSystem
    access_point: aws.efs.AccessPoint
    mount_targets: list[aws.efs.MountTarget]
    security_group: aws.ec2.SecurityGroup

    def __init__(self, name: str, args: DataVolumeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:DataVolume", name, None, opts)
        self.file_system = aws.efs.FileSystem(
            f"{name}-fs",
            creation_token=args.file_system_name,
            encrypted=True,
            performance_mode="generalPurpose",
            throughput_mode="bursting",
            tags={"Name": args.file_system_name},
            opts=child(self, protect=True),
        )
        fs_id = self.file_system.id
        self.backup_policy = aws.efs.BackupPolicy(
            f"{name}-backups",
            file_system_id=fs_id,
            backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED"),
            opts=child(self),
        )
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=args.security_group_name,
            description="Dixie data volume (EFS), NFS from the Dixie tasks only",
            vpc_id=args.vpc_id,
            tags={"Name": args.security_group_name},
            opts=child(self),
        )
        self.ingress = ingress_from(
            self,
            f"{name}-from-service",
            on=self.security_group.id,
            source=args.service_security_group_id,
            port=names.NFS_PORT,
            description="NFS from Dixie ECS tasks",
        )
        self.service_egress = egress_to(
            self,
            f"{name}-service-egress",
            on=args.service_security_group_id,
            group=self.security_group.id,
            port=names.NFS_PORT,
            description="NFS to the Dixie data volume",
        )
        self.mount_targets = [
            aws.efs.MountTarget(
                f"{name}-mount-{index}",
                file_system_id=fs_id,
                subnet_id=subnet,
                security_groups=[self.security_group.id],
                opts=child(self),
            )
            for index, subnet in enumerate(args.subnet_ids, start=1)
        ]
        self.access_point = aws.efs.AccessPoint(
            f"{name}-access-point",
            file_system_id=fs_id,
            posix_user=aws.efs.AccessPointPosixUserArgs(uid=names.DATA_POSIX_UID, gid=names.DATA_POSIX_GID),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=ROOT_DIRECTORY,
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=names.DATA_POSIX_UID,
                    owner_gid=names.DATA_POSIX_GID,
                    permissions=ROOT_PERMISSIONS,
                ),
            ),
            tags={"Name": args.access_point_name},
            opts=child(self),
        )
        self.policy = aws.efs.FileSystemPolicy(
            f"{name}-policy",
            file_system_id=fs_id,
            policy=pulumi.Output.json_dumps(file_system_policy(self.file_system.arn, self.access_point.arn)),
            opts=child(self),
        )
        self.register_outputs({"fileSystemId": fs_id, "accessPointId": self.access_point.id})

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What a task needs before it can mount the volume."""
        return [*self.mount_targets, self.policy, self.service_egress]
