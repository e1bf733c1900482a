"""Every image the stack itself chooses (data stores, exporters' defaults, backup tools), pinned by digest.

One row per image: repository, tag, the sha256 of the tag's manifest (list), and where the pair was
read. Digests were looked up in public repositories that pin the same tag (several independent ones
agreeing); a row whose digest could not be verified from here has `digest=None` and says so: its
reference stays tag-only until someone runs `docker buildx imagetools inspect <repo>:<tag>` and fills
it in (tests/kubernetes/test_least_privilege.py lists exactly which rows may lack one).
Backup tools come only from official images (Docker Official Images, the AWS CLI's own).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PinnedImage:
    repository: str
    tag: str
    digest: str | None  # sha256:<64 hex>, or None when it could not be verified
    source: str

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}" + (f"@{self.digest}" if self.digest else "")


_PINNED_IN = "pinned with this digest in several public repositories"
_UNVERIFIED = "digest NOT verified here (no public pin found); tag-only until filled in"

POSTGRES = {
    "13": PinnedImage("postgres", "13.22-bookworm", None, f"Docker Official Image; {_UNVERIFIED}"),
    "14": PinnedImage("postgres", "14.19-bookworm", None, f"Docker Official Image; {_UNVERIFIED}"),
    "15": PinnedImage("postgres", "15.14-bookworm",
                      "sha256:496f07cd16dff6406cee521a66b37080be917ea063f017336affdfcb1c61f90e",
                      f"Docker Official Image; {_PINNED_IN}"),
    "16": PinnedImage("postgres", "16.10-bookworm",
                      "sha256:38471f330eb885e04de130b768d6db4e10469e2311879c7e5c699f6d2d8a1c74",
                      f"Docker Official Image; {_PINNED_IN}"),
    "17": PinnedImage("postgres", "17.6-bookworm",
                      "sha256:f3bd19c606e442c3d7bdfa8002e03fe260a1023351e0ea4598032022b68dd6e3",
                      f"Docker Official Image; {_PINNED_IN}"),
}
# CloudNativePG's operand images (the project's own, on ghcr.io); its admission webhook reads the
# PostgreSQL version from the tag, so a digest is added to the tag, never used alone.
# Only 17.6 has a public pin (its tag is rebuilt by the project; this is the build pinned by several
# independent repositories); 13.22-16.10 had none to be found (searched 2026-12-02).
_CNPG_DIGESTS = {"17": "sha256:30b304a2e300ed80b6d1b740e4369e9b0f25599fb518de78c01fd9f25531791b"}
CNPG = {
    major: PinnedImage("ghcr.io/cloudnative-pg/postgresql", image.tag.split("-")[0], _CNPG_DIGESTS.get(major),
                       f"CloudNativePG operand image; {_PINNED_IN if major in _CNPG_DIGESTS else _UNVERIFIED}")
    for major, image in POSTGRES.items()
}
REDIS = {
    "6": PinnedImage("redis", "6.2.17-bookworm", None, f"Docker Official Image; {_UNVERIFIED}"),
    "7": PinnedImage("redis", "7.4.5-bookworm",
                     "sha256:90e7a336d044f1abc9e9dbc05d65566850896d11453bbd1dd0fb7e5059f0e8fb",
                     f"Docker Official Image; {_PINNED_IN}"),
}
# SQLite backups use Python's sqlite3 online-backup API from the official Python image (no
# third-party sqlite3 CLI image); dumps are uploaded with the AWS CLI's official image.
SQLITE_BACKUP = PinnedImage("python", "3.12.11-slim-bookworm",
                            "sha256:519591d6871b7bc437060736b9f7456b8731f1499a57e22e6c285135ae657bf7",
                            f"Docker Official Image; {_PINNED_IN}")
S3_UPLOAD = PinnedImage("amazon/aws-cli", "2.22.35",
                        "sha256:6977c83ae3dc99f28fcf8276b9ea5eec33833cd5be40574b34112e98113ec7a2",
                        f"AWS's official AWS CLI image; {_PINNED_IN}")

TABLE: dict[str, PinnedImage] = {
    **{f"postgres-{m}": i for m, i in POSTGRES.items()},
    **{f"cloudnative-pg-{m}": i for m, i in CNPG.items()},
    **{f"redis-{m}": i for m, i in REDIS.items()},
    "sqlite-backup": SQLITE_BACKUP,
    "s3-upload": S3_UPLOAD,
}
