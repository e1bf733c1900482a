"""SQLite on Kubernetes: the database file lives on its service's volume (the Workload makes that
service a single-replica StatefulSet), and a CronJob copies it with SQLite's online backup API every day.

The backup pod mounts the service's ReadWriteOnce claim, so it is scheduled onto the node that runs
the service's pod (required pod affinity) and runs as the service's user to read the file.
"""

from __future__ import annotations

import shlex

from appstack.naming import kubernetes as naming
from appstack.naming import shorten
from appstack.spec import ServiceSpec, SqliteSpec
from appstack.spec.kubernetes import PodKubernetesSpec

from .backups import BackupArgs
from .common import AppContext
from .storage import StorageAccess

# SQLite's online backup API (what the sqlite3 CLI's .backup runs) through Python's stdlib, then an
# integrity check of the copy: a consistent snapshot of a live database, from the official image.
BACKUP_PY = (
    "import sqlite3, sys; src = sqlite3.connect(sys.argv[1]); dst = sqlite3.connect(sys.argv[2]); "
    "src.backup(dst); src.close(); ok = dst.execute('PRAGMA integrity_check').fetchone()[0]; dst.close(); "
    "sys.exit(0 if ok == 'ok' else 'integrity check failed: ' + ok)"
)


def data_volume(db: SqliteSpec, service: ServiceSpec) -> tuple[str, str]:
    """(volume name, mount path) of the volume holding the database file."""
    for name, volume in sorted(service.volumes.items(), key=lambda item: -len(item[1].mount_path)):
        if db.path == volume.mount_path or db.path.startswith(volume.mount_path.rstrip("/") + "/"):
            return name, volume.mount_path
    raise ValueError(f"database.path {db.path} is on none of service '{db.service}' volumes")


def claim_name(volume: str, service: str) -> str:
    """The claim a StatefulSet creates for its first (only) pod from a volumeClaimTemplate."""
    return f"{volume}-{service}-0"


def database_url(db: SqliteSpec) -> str:
    return f"sqlite://{db.path}"


def sqlite_backup_args(
    ctx: AppContext, db: SqliteSpec, service: ServiceSpec, storage: StorageAccess | None
) -> BackupArgs:
    volume, mount_path = data_volume(db, service)
    schedule = ctx.k8s.backups.schedule or db.backup.schedule
    return BackupArgs(
        ctx=ctx,
        name=shorten(f"{db.service}-sqlite-backup", naming.CRONJOB),
        schedule=schedule,
        retention_days=db.backup.retention_days,
        image=ctx.k8s.backups.sqlite_image,
        uid=service.run_as_user,
        dump_command=f"python3 -c {shlex.quote(BACKUP_PY)} {shlex.quote(db.path)} \"$BACKUP_FILE\"",
        extension=".db",
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": claim_name(volume, db.service)}}],
        mounts=[{"name": "data", "mountPath": mount_path}],
        affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchLabels": ctx.selector(db.service)},
            "topologyKey": "kubernetes.io/hostname",
        }]}},
        # The backup must run on the service's node, so it tolerates what the service tolerates.
        tolerations=PodKubernetesSpec(tolerations=service.kubernetes.tolerations),
        storage=storage,
    )
