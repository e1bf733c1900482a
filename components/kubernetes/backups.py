"""Backup: a CronJob that dumps a data store on a schedule to a backup volume or an S3-compatible bucket.

PostgreSQL uses pg_dump (custom format); SQLite uses its online backup API (Python's sqlite3 module),
which copies a consistent snapshot of a live database. With target `pvc`, dumps land on a dedicated
volume and those older than the retention are deleted by the job itself; with target `s3`, a second
container uploads the dump and then deletes this backup's objects whose timestamp is older than the
retention (so retention holds without a bucket lifecycle rule; one may still be added as a backstop).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from appstack.naming import kubernetes as naming
from appstack.spec.kubernetes import PodKubernetesSpec

from .common import BACKUP_EGRESS, TYPE_PREFIX, AppContext, child, volume_claim
from .pod import PodArgs, container_security, pod_template
from .storage import StorageAccess

DUMP_DIR = "/backups"
JOB_DEADLINE_SECONDS = 3 * 3600


@dataclass(frozen=True)
class BackupArgs:
    ctx: AppContext
    name: str  # object name, e.g. postgres-backup
    schedule: str  # cron, UTC
    retention_days: int
    image: str
    uid: int
    dump_command: str  # shell that writes "$BACKUP_FILE"
    extension: str  # .dump, .db
    env: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    mounts: list[dict[str, Any]] = field(default_factory=list)
    affinity: dict[str, Any] | None = None
    tolerations: PodKubernetesSpec | None = None  # a SQLite backup's: the service's, to follow it onto its node
    labels: dict[str, str] = field(default_factory=dict)  # e.g. the client label of the store it dumps
    storage: StorageAccess | None = None  # the backups' own object storage access (target s3)
    depends_on: list[pulumi.Resource] = field(default_factory=list)


def bucket_for_backups(ctx: AppContext) -> str:
    storage = ctx.k8s.object_storage
    return ctx.k8s.backups.bucket or naming.bucket_name(storage.bucket_prefix, ctx.namespace, "backups")


def upload_script(location: str, endpoint: str, name: str, extension: str, retention_days: int) -> str:
    """Upload the fresh dump, then prune this backup's objects older than the retention.

    Object keys are `<name>-<UTC stamp><extension>`; the stamps (YYYYMMDDTHHMMSSZ) sort as text, so a
    key is expired when its stamp sorts before the cutoff. Needs only sh, GNU date and expr (AWS CLI image).
    """
    s3 = f'--endpoint-url "{endpoint}"'
    return "; ".join([
        "set -eu",
        f'aws s3 cp --recursive {DUMP_DIR}/ "{location}" {s3}',
        f'cutoff="$(date -u -d "@$(( $(date +%s) - {retention_days * 86400} ))" +%Y%m%dT%H%M%SZ)"',
        f'aws s3 ls "{location}" {s3} | while read -r _ _ _ key; do '
        f'case "$key" in {name}-????????T??????Z{extension}) '
        f'stamp="${{key#{name}-}}"; stamp="${{stamp%{extension}}}"; '
        f'if expr "$stamp" \\< "$cutoff" >/dev/null; then aws s3 rm "{location}$key" {s3}; fi;; '
        "esac; done",
    ])


class Backup(pulumi.ComponentResource):
    """Outputs: `schedule`, `target` (pvc or s3) and `location` (volume name or s3:// URL)."""

    def __init__(self, name: str, args: BackupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Backup", name, None, opts)
        ctx = args.ctx
        target = ctx.k8s.backups.target
        stamp = f'{DUMP_DIR}/{args.name}-$(date -u +%Y%m%dT%H%M%SZ){args.extension}'
        script = f'set -eu; BACKUP_FILE="{stamp}"; {args.dump_command}; echo "wrote $BACKUP_FILE"'
        volumes, mounts = list(args.volumes), list(args.mounts)
        uploader: list[dict[str, Any]] = []
        self.volume = None
        if target == "pvc":
            volume_name = f"{args.name}s"
            self.volume = k8s.core.v1.PersistentVolumeClaim(
                f"{name}-volume",
                metadata=ctx.meta(volume_name),
                spec=volume_claim(volume_name, ctx.k8s.backups.volume_size_gb, ctx)["spec"],
                opts=child(self, protect=ctx.protect),
            )
            minutes = args.retention_days * 24 * 60
            script += f'; find {DUMP_DIR} -name "{args.name}-*{args.extension}" -mmin +{minutes} -delete'
            volumes.append({"name": "backups", "persistentVolumeClaim": {"claimName": volume_name}})
            self.location = volume_name
        else:
            volumes.append({"name": "backups", "emptyDir": {"sizeLimit": f"{ctx.k8s.backups.volume_size_gb}Gi"}})
            self.location = f"s3://{bucket_for_backups(ctx)}/{ctx.app}/{args.name}/"
            uploader = [{
                "name": "upload",
                "image": ctx.k8s.backups.s3_image,
                "imagePullPolicy": "IfNotPresent",
                "command": ["sh", "-c", upload_script(self.location, ctx.k8s.object_storage.endpoint, args.name,
                                                      args.extension, args.retention_days)],
                "env": [{"name": "AWS_REGION", "value": ctx.k8s.object_storage.region},
                        {"name": "HOME", "value": "/tmp"}, *(args.storage.env if args.storage else [])],
                "securityContext": container_security(args.uid, args.uid),
                "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                "volumeMounts": [{"name": "backups", "mountPath": DUMP_DIR, "readOnly": True},
                                 {"name": "upload-tmp", "mountPath": "/tmp"}],
            }]
            volumes.append({"name": "upload-tmp", "emptyDir": {"sizeLimit": "256Mi"}})
        mounts.append({"name": "backups", "mountPath": DUMP_DIR})
        pod = pod_template(ctx, PodArgs(
            name=args.name,
            component="backup",
            image=args.image,
            uid=args.uid,
            gid=args.uid,
            env=args.env,
            service_account=args.name,
            command=["sh", "-c", script],
            resources={"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
            volumes=volumes,
            mounts=mounts,
            egress=False,  # s3: the object store only (allow-backup-egress), never the internet at large
            restart_policy="Never",
            labels={**args.labels, **({BACKUP_EGRESS: "true", **(args.storage.pod_labels if args.storage else {})}
                                      if target == "s3" else {})},
            affinity=args.affinity,
            user=args.tolerations,
        ))
        if uploader:  # dump first (init container), then upload
            dump = pod["spec"]["containers"][0]
            pod["spec"]["initContainers"] = [dump]
            pod["spec"]["containers"] = uploader
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=ctx.meta(args.name, annotations=args.storage.annotations if args.storage else None),
            automount_service_account_token=False, opts=child(self))
        self.cron_job = k8s.batch.v1.CronJob(
            name,
            metadata=ctx.meta(args.name),
            spec={
                "schedule": args.schedule,
                "timeZone": "Etc/UTC",
                "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": 3600,
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 3,
                "jobTemplate": {"spec": {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": JOB_DEADLINE_SECONDS,
                    "ttlSecondsAfterFinished": 86400,
                    "template": pod,
                }},
            },
            opts=child(self, depends_on=[self.service_account, *([self.volume] if self.volume else []),
                                         *args.depends_on]),
        )
        self.schedule = args.schedule
        self.target = target
        self.register_outputs({"schedule": self.schedule, "target": self.target, "location": self.location})
