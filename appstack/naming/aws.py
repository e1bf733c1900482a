"""AWS name limits the components build names against (each from the API reference of its resource).

Physical names the provider generates (autonaming) take `autonamed(logical, LIMIT)` as their logical
name; explicit physical names take `physical_name(...)`. Both leave every name that already fits as it is.
"""

from __future__ import annotations

import re

from . import shorten

LOAD_BALANCER_NAME = 32  # elasticloadbalancing CreateLoadBalancer Name
TARGET_GROUP_NAME = 32  # elasticloadbalancing CreateTargetGroup Name
REPLICATION_GROUP_ID = 40  # elasticache CreateReplicationGroup ReplicationGroupId
IAM_ROLE_NAME = 64  # iam CreateRole RoleName
S3_BUCKET_NAME = 63  # s3 bucket naming rules
EFS_CREATION_TOKEN = 64  # efs CreateFileSystem CreationToken
RDS_IDENTIFIER = 63  # rds CreateDBInstance DBInstanceIdentifier
CLOUDFRONT_OAC_NAME = 64  # cloudfront OriginAccessControlConfig Name
AMP_WORKSPACE_ALIAS = 100  # amp CreateWorkspace alias
ECS_NAME = 255  # ecs cluster, service and family names
SECURITY_GROUP_RESERVED_PREFIX = "sg-"  # ec2 CreateSecurityGroup GroupName


def physical_name(*parts: str, max_length: int = 63) -> str:
    """A stable physical name from stable parts only (stack, app, role): lowercase letters, digits, '-'.

    It starts with a letter and has no '--' (RDS and ElastiCache identifiers allow neither).
    """
    name = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", "-".join(parts).lower())).strip("-")
    if not name or not name[0].isalpha():
        name = f"a-{name}"
    return shorten(name, max_length).strip("-")


def secret_slug(name: str) -> str:
    """What a Secrets Manager secret of an app is named after (DATABASE_URL -> database-url)."""
    return name.lower().replace("_", "-")


def kms_alias(*parts: str) -> str:
    """alias/appstack/<parts...>, with the characters KMS aliases reject (a stack's '.') turned into '-'."""
    return "alias/appstack/" + "/".join(re.sub(r"[^A-Za-z0-9:_-]", "-", part) for part in parts)
