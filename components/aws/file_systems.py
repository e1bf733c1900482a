"""EFS for one service volume: an encrypted file system (the app's key), mount targets in the private
subnets, an access point pinned to the service's uid/gid, a TLS-only file-system policy, and backups
in prod.

SQLite on EFS works for the single writer the spec enforces (one replica), with the rollback journal:
NFS has no shared memory, so WAL mode must stay off.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from appstack.naming import autonamed
from appstack.naming import aws as limits

from .common import child, policy_json
from .contracts import FileSystemRefs


@dataclass(frozen=True)
class ServiceVolumeArgs:
    app: str
    service: str
    volume: str
    uid: int
    gid: int
    private_subnet_ids: list[pulumi.Output[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    backups: bool
    protect: bool
    tags: dict[str, str]


def file_system_policy_statements(file_system_arn: str) -> list[dict]:
    return [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": file_system_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "MountThroughMountTargetsWithoutRoot",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Resource": file_system_arn,
            "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
        },
    ]


class ServiceVolume(pulumi.ComponentResource):
    refs: FileSystemRefs

    def __init__(self, name: str, args: ServiceVolumeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:ServiceVolume", name, None, opts)
        file_system = aws.efs.FileSystem(
            autonamed(name, limits.EFS_CREATION_TOKEN), encrypted=True, kms_key_id=args.kms_key_arn,
            performance_mode="generalPurpose",
            throughput_mode="elastic", tags={**args.tags, "Name": f"{args.app}-{args.service}-{args.volume}"},
            opts=child(self, protect=args.protect),
        )
        aws.efs.BackupPolicy(name, file_system_id=file_system.id,
                             backup_policy={"status": "ENABLED" if args.backups else "DISABLED"}, opts=child(self))
        policy = file_system.arn.apply(lambda arn: policy_json(file_system_policy_statements(arn)))
        aws.efs.FileSystemPolicy(name, file_system_id=file_system.id, policy=policy, opts=child(self))
        mount_targets = [
            aws.efs.MountTarget(f"{name}-{i + 1}", file_system_id=file_system.id, subnet_id=subnet_id,
                                security_groups=[args.security_group_id], opts=child(self))
            for i, subnet_id in enumerate(args.private_subnet_ids)
        ]
        access_point = aws.efs.AccessPoint(
            name, file_system_id=file_system.id,
            posix_user={"uid": args.uid, "gid": args.gid},
            root_directory={"path": f"/{args.service}/{args.volume}",
                            "creation_info": {"owner_uid": args.uid, "owner_gid": args.gid, "permissions": "0750"}},
            tags=args.tags, opts=child(self, depends_on=mount_targets),
        )
        self.refs = FileSystemRefs(
            file_system_id=file_system.id,
            access_point_id=access_point.id,
            file_system_arn=file_system.arn,
            access_point_arn=access_point.arn,
        )
        self.register_outputs({"file_system_id": file_system.id, "access_point_id": access_point.id})
