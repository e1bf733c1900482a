"""AWS constraints that botocore's models do not state (allowed characters, prefixes, name rules).

Each constant cites the AWS API reference or user guide that documents it. botocore supplies lengths,
patterns and enums where the models have them (see botocore_shapes); this table covers the rest.
"""

from __future__ import annotations

import ipaddress
import re
import zoneinfo

from .core import forbid, length, number, one_of, pattern, predicate

EC2 = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference"
ELB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference"
RDS = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference"
ELASTICACHE = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference"
ECS = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference"

# EC2 in a VPC: security group names, group descriptions and rule descriptions.
_EC2_TEXT = r"[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*"
_EC2_TEXT_MEANING = "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* only"
SG_NAME = (
    length(1, 255, f"{EC2}/API_CreateSecurityGroup.html"),
    pattern(_EC2_TEXT, _EC2_TEXT_MEANING, f"{EC2}/API_CreateSecurityGroup.html"),
    forbid(r"^sg-", "start with 'sg-'", f"{EC2}/API_CreateSecurityGroup.html"),
)
SG_DESCRIPTION = (
    length(0, 255, f"{EC2}/API_CreateSecurityGroup.html"),
    pattern(_EC2_TEXT, _EC2_TEXT_MEANING, f"{EC2}/API_CreateSecurityGroup.html"),
)
SG_RULE_DESCRIPTION = (
    length(0, 255, f"{EC2}/API_IpRange.html"),
    pattern(_EC2_TEXT, _EC2_TEXT_MEANING, f"{EC2}/API_IpRange.html"),
)
IP_PROTOCOL = (one_of(["tcp", "udp", "icmp", "icmpv6", "-1"], f"{EC2}/API_IpPermission.html"),)
PORT_OR_ALL = (number(-1, 65535, f"{EC2}/API_IpPermission.html"),)


def _cidr(version: int):
    def valid(value: object) -> bool:
        try:
            return ipaddress.ip_network(str(value), strict=True).version == version
        except ValueError:
            return False

    return predicate(valid, f"must be an IPv{version} network in CIDR notation", f"{EC2}/API_IpPermission.html")


CIDR_IPV4 = (_cidr(4),)
CIDR_IPV6 = (_cidr(6),)

# Elastic Load Balancing v2.
LB_NAME = (
    length(1, 32, f"{ELB}/API_CreateLoadBalancer.html"),
    pattern(
        r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?",
        "letters, digits and hyphens, not starting or ending with '-'",
        f"{ELB}/API_CreateLoadBalancer.html",
    ),
    forbid(r"^internal-", "start with 'internal-'", f"{ELB}/API_CreateLoadBalancer.html"),
)
TARGET_GROUP_NAME = (
    length(1, 32, f"{ELB}/API_CreateTargetGroup.html"),
    pattern(
        r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?",
        "letters, digits and hyphens, not starting or ending with '-'",
        f"{ELB}/API_CreateTargetGroup.html",
    ),
)
_CONDITIONS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html"
ALB_PATH_PATTERN = (
    length(1, 128, _CONDITIONS),
    pattern(r"[A-Za-z0-9_\-.$/~\"'@:+&*?]+", "A-Z, a-z, 0-9 and _-.$/~\"'@:+&*? only", _CONDITIONS),
)
ALB_HOST_HEADER = (
    length(1, 128, _CONDITIONS),
    pattern(r"[A-Za-z0-9\-.*?]+", "A-Z, a-z, 0-9 and -.*? only", _CONDITIONS),
)
_LISTENER_ATTRIBUTES = f"{ELB}/API_ListenerAttribute.html"
ALB_X_FRAME_OPTIONS = (pattern(r"DENY|SAMEORIGIN|ALLOW-FROM https://\S+", "DENY, SAMEORIGIN or ALLOW-FROM <uri>",
                               _LISTENER_ATTRIBUTES),)
ALB_X_CONTENT_TYPE_OPTIONS = (one_of(["nosniff"], _LISTENER_ATTRIBUTES),)
ALB_HSTS = (pattern(r"max-age=\d+(; includeSubDomains)?(; preload)?", "max-age=<seconds>[; includeSubDomains]"
                    "[; preload]", _LISTENER_ATTRIBUTES),)
_TRANSFORMS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RewriteConfig.html"
ALB_REWRITE_REGEX = (length(1, 1024, _TRANSFORMS),)
ALB_REWRITE_REPLACE = (length(0, 1024, _TRANSFORMS),)
ALB_TRANSFORM_TYPE = (one_of(["host-header-rewrite", "url-rewrite"], _TRANSFORMS),)
_CLOUDFRONT_HEADERS = ("https://docs.aws.amazon.com/cloudfront/latest/APIReference/"
                       "API_ResponseHeadersPolicySecurityHeadersConfig.html")
CLOUDFRONT_FRAME_OPTION = (one_of(["DENY", "SAMEORIGIN"], _CLOUDFRONT_HEADERS),)
CLOUDFRONT_REFERRER_POLICY = (one_of(
    ["no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin",
     "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"], _CLOUDFRONT_HEADERS),)
LB_IDLE_TIMEOUT = (number(1, 4000, f"{ELB}/API_LoadBalancerAttribute.html"),)
DESYNC_MODE = (one_of(["monitor", "defensive", "strictest"], f"{ELB}/API_LoadBalancerAttribute.html"),)
DEREGISTRATION_DELAY = (number(0, 3600, f"{ELB}/API_TargetGroupAttribute.html"),)
PROTOCOL_VERSION = (one_of(["HTTP1", "HTTP2", "GRPC"], f"{ELB}/API_CreateTargetGroup.html"),)
HTTP_MATCHER = (
    pattern(
        r"\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*", "HTTP codes such as 200, 200,202 or 200-299", f"{ELB}/API_Matcher.html"
    ),
)

# RDS (PostgreSQL).
_LETTERS_DIGITS_HYPHENS = "a letter, then letters, digits and single hyphens, not ending with '-'"
_IDENTIFIER = r"[A-Za-z](-?[A-Za-z0-9])*"
RDS_INSTANCE_ID = (
    length(1, 63, f"{RDS}/API_CreateDBInstance.html"),
    pattern(_IDENTIFIER, _LETTERS_DIGITS_HYPHENS, f"{RDS}/API_CreateDBInstance.html"),
)
RDS_SNAPSHOT_ID = (
    length(1, 255, f"{RDS}/API_CreateDBSnapshot.html"),
    pattern(_IDENTIFIER, _LETTERS_DIGITS_HYPHENS, f"{RDS}/API_CreateDBSnapshot.html"),
)
RDS_PARAMETER_GROUP_NAME = (
    length(1, 255, f"{RDS}/API_CreateDBParameterGroup.html"),
    pattern(_IDENTIFIER, _LETTERS_DIGITS_HYPHENS, f"{RDS}/API_CreateDBParameterGroup.html"),
)
RDS_SUBNET_GROUP_NAME = (
    length(1, 255, f"{RDS}/API_CreateDBSubnetGroup.html"),
    pattern(
        r"[A-Za-z0-9._ -]+",
        "letters, digits, periods, underscores, spaces and hyphens only",
        f"{RDS}/API_CreateDBSubnetGroup.html",
    ),
    forbid(r"^default$", "be 'default'", f"{RDS}/API_CreateDBSubnetGroup.html"),
)
RDS_POSTGRES_DB_NAME = (
    length(1, 63, f"{RDS}/API_CreateDBInstance.html"),
    pattern(
        r"[A-Za-z_][A-Za-z0-9_]*",
        "a letter or underscore, then letters, digits and underscores",
        f"{RDS}/API_CreateDBInstance.html",
    ),
)
RDS_POSTGRES_USERNAME = (
    length(1, 63, f"{RDS}/API_CreateDBInstance.html"),
    pattern(
        r"[A-Za-z][A-Za-z0-9_]*", "a letter, then letters, digits and underscores", f"{RDS}/API_CreateDBInstance.html"
    ),
)
RDS_MASTER_PASSWORD = (
    length(8, 128, f"{RDS}/API_CreateDBInstance.html"),
    pattern(r"[!#-.0-?A-~]+", 'printable ASCII except /, ", @ and space', f"{RDS}/API_CreateDBInstance.html"),
)
RDS_INSTANCE_CLASS = (
    pattern(r"db\.[a-z0-9]+\.[a-z0-9]+", "an instance class such as db.t4g.medium", f"{RDS}/API_CreateDBInstance.html"),
)
RDS_BACKUP_RETENTION = (number(0, 35, f"{RDS}/API_CreateDBInstance.html"),)
RDS_POSTGRES_STORAGE_GB = (number(20, 65536, f"{RDS}/API_CreateDBInstance.html"),)
RDS_POSTGRES_LOG_EXPORTS = (one_of(["postgresql", "upgrade", "iam-db-auth-error"], f"{RDS}/API_CreateDBInstance.html"),)
RDS_PI_RETENTION = (
    predicate(
        lambda days: days in (7, 731) or (isinstance(days, int) and days % 31 == 0 and 0 < days < 731),
        "must be 7, a multiple of 31 below 731, or 731",
        f"{RDS}/API_CreateDBInstance.html",
    ),
)
RDS_PORT = (number(1150, 65535, f"{RDS}/API_CreateDBInstance.html"),)
RDS_STORAGE_TYPE = (one_of(["standard", "gp2", "gp3", "io1", "io2"], f"{RDS}/API_CreateDBInstance.html"),)
_WINDOW_DAY = r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d"
_WINDOW_TIME = r"([01]\d|2[0-3]):[0-5]\d"
MAINTENANCE_WINDOW = (
    pattern(f"{_WINDOW_DAY}-{_WINDOW_DAY}", "ddd:hh24:mi-ddd:hh24:mi (UTC)", f"{RDS}/API_CreateDBInstance.html"),
)
BACKUP_WINDOW = (
    pattern(f"{_WINDOW_TIME}-{_WINDOW_TIME}", "hh24:mi-hh24:mi (UTC)", f"{RDS}/API_CreateDBInstance.html"),
)
POSTGRES_FAMILY = (pattern(r"postgres\d{2}", "a family such as postgres16", f"{RDS}/API_CreateDBParameterGroup.html"),)
PARAMETER_APPLY_METHOD = (one_of(["immediate", "pending-reboot"], f"{RDS}/API_Parameter.html"),)

# ElastiCache.
REPLICATION_GROUP_ID = (
    length(1, 40, f"{ELASTICACHE}/API_CreateReplicationGroup.html"),
    pattern(
        r"[a-z](-?[a-z0-9])*",
        "a lowercase letter, then lowercase letters, digits and single hyphens, not ending with '-'",
        f"{ELASTICACHE}/API_CreateReplicationGroup.html",
    ),
)
CACHE_SNAPSHOT_NAME = (
    length(1, 255, f"{ELASTICACHE}/API_CreateSnapshot.html"),
    pattern(_IDENTIFIER, _LETTERS_DIGITS_HYPHENS, f"{ELASTICACHE}/API_CreateSnapshot.html"),
)
_CACHE_GROUPS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Creating.html"
CACHE_PARAMETER_GROUP_NAME = (
    length(1, 255, _CACHE_GROUPS),
    pattern(_IDENTIFIER, _LETTERS_DIGITS_HYPHENS, _CACHE_GROUPS),
)
CACHE_SUBNET_GROUP_NAME = (
    length(1, 255, f"{ELASTICACHE}/API_CreateCacheSubnetGroup.html"),
    pattern(r"[A-Za-z0-9-]+", "letters, digits and hyphens only", f"{ELASTICACHE}/API_CreateCacheSubnetGroup.html"),
)
CACHE_DESCRIPTION = (length(0, 255, f"{ELASTICACHE}/API_CreateCacheSubnetGroup.html"),)
CACHE_FAMILY = (
    pattern(
        r"(redis[67](\.x)?|valkey[78])",
        "a family such as redis7 or valkey8",
        f"{ELASTICACHE}/API_CreateCacheParameterGroup.html",
    ),
)
CACHE_ENGINE = (one_of(["redis", "valkey"], f"{ELASTICACHE}/API_CreateReplicationGroup.html"),)
CACHE_NODE_TYPE = (
    pattern(
        r"cache\.[a-z0-9]+\.[a-z0-9]+",
        "a node type such as cache.t4g.small",
        f"{ELASTICACHE}/API_CreateReplicationGroup.html",
    ),
)
CACHE_CLUSTERS = (number(1, 6, f"{ELASTICACHE}/API_CreateReplicationGroup.html"),)
CACHE_SNAPSHOT_RETENTION = (number(0, 35, f"{ELASTICACHE}/API_CreateReplicationGroup.html"),)
CACHE_AUTH_TOKEN = (
    length(16, 128, f"{ELASTICACHE}/API_CreateReplicationGroup.html"),
    pattern(
        r"[A-Za-z0-9!&#$^<>-]+", "letters, digits and !&#$^<>- only", f"{ELASTICACHE}/API_CreateReplicationGroup.html"
    ),
)

# S3 bucket names (general purpose buckets).
_BUCKET_RULES = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"


def _not_ip(value: object) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return True
    return False


S3_BUCKET_NAME = (
    length(3, 63, _BUCKET_RULES),
    pattern(
        r"[a-z0-9][a-z0-9.-]*[a-z0-9]",
        "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit",
        _BUCKET_RULES,
    ),
    forbid(r"\.\.|\.-|-\.", "contain '..', '.-' or '-.'", _BUCKET_RULES),
    forbid(r"^(xn--|sthree-|amzn-s3-demo-)", "start with xn--, sthree- or amzn-s3-demo-", _BUCKET_RULES),
    forbid(
        r"(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$",
        "end with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3",
        _BUCKET_RULES,
    ),
    predicate(_not_ip, "must not be an IP address", _BUCKET_RULES),
)
S3_LIFECYCLE_RULE_ID = (length(0, 255, "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html"),)
S3_CORS_METHODS = (
    one_of(
        ["GET", "PUT", "HEAD", "POST", "DELETE"], "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html"
    ),
)
S3_BUCKET_POLICY = (
    length(1, 20 * 1024, "https://docs.aws.amazon.com/AmazonS3/latest/userguide/BucketRestrictions.html"),
)
S3_VERSIONING_STATUS = (
    one_of(
        ["Enabled", "Suspended", "Disabled"],
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_VersioningConfiguration.html",
    ),
)
S3_LOG_PREFIX = (length(0, 1024, "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LoggingEnabled.html"),)

# ECS.
_ECS_NAME_MEANING = "letters, digits, hyphens and underscores only"
ECS_CLUSTER_NAME = (
    length(1, 255, f"{ECS}/API_CreateCluster.html"),
    pattern(r"[A-Za-z0-9_-]+", _ECS_NAME_MEANING, f"{ECS}/API_CreateCluster.html"),
)
ECS_SERVICE_NAME = (
    length(1, 255, f"{ECS}/API_CreateService.html"),
    pattern(r"[A-Za-z0-9_-]+", _ECS_NAME_MEANING, f"{ECS}/API_CreateService.html"),
)
ECS_FAMILY = (
    length(1, 255, f"{ECS}/API_RegisterTaskDefinition.html"),
    pattern(r"[A-Za-z0-9_-]+", _ECS_NAME_MEANING, f"{ECS}/API_RegisterTaskDefinition.html"),
)
ECS_CONTAINER_NAME = (
    length(1, 255, f"{ECS}/API_ContainerDefinition.html"),
    pattern(r"[A-Za-z0-9_-]+", _ECS_NAME_MEANING, f"{ECS}/API_ContainerDefinition.html"),
)
ECS_VOLUME_NAME = (
    length(1, 255, f"{ECS}/API_Volume.html"),
    pattern(r"[A-Za-z0-9_-]+", _ECS_NAME_MEANING, f"{ECS}/API_Volume.html"),
)
# The whole RegisterTaskDefinition request (container definitions are most of it) is capped at 64 KiB.
ECS_CONTAINER_DEFINITIONS = (
    length(1, 64 * 1024, "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html"),
)
ECS_CAPACITY_PROVIDER = (one_of(["FARGATE", "FARGATE_SPOT"], f"{ECS}/API_PutClusterCapacityProviders.html"),)
ECS_HEALTH_GRACE = (number(0, 2147483647, f"{ECS}/API_CreateService.html"),)
ECS_PERCENT = (number(0, 2147483647, f"{ECS}/API_DeploymentConfiguration.html"),)
ECS_CPU_ARCHITECTURE = (one_of(["X86_64", "ARM64"], f"{ECS}/API_RuntimePlatform.html"),)
ECS_OS_FAMILY = (one_of(["LINUX"], f"{ECS}/API_RuntimePlatform.html"),)
# Fargate task sizes: CPU units -> allowed memory (MiB).
_FARGATE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size"
FARGATE_MEMORY: dict[str, tuple[int, ...]] = {
    "256": (512, 1024, 2048),
    "512": tuple(range(1024, 4097, 1024)),
    "1024": tuple(range(2048, 8193, 1024)),
    "2048": tuple(range(4096, 16385, 1024)),
    "4096": tuple(range(8192, 30721, 1024)),
    "8192": tuple(range(16384, 61441, 4096)),
    "16384": tuple(range(32768, 122881, 8192)),
}
FARGATE_CPU = (one_of(sorted(FARGATE_MEMORY, key=int), _FARGATE),)

# ECS container health checks (ContainerDefinition.healthCheck).
_ECS_HEALTH = f"{ECS}/API_HealthCheck.html"
ECS_HEALTH_INTERVAL = (number(5, 300, _ECS_HEALTH),)
ECS_HEALTH_TIMEOUT = (number(2, 60, _ECS_HEALTH),)
ECS_HEALTH_RETRIES = (number(1, 10, _ECS_HEALTH),)
ECS_HEALTH_START_PERIOD = (number(0, 300, _ECS_HEALTH),)
ECS_HEALTH_COMMAND = (
    predicate(
        lambda c: isinstance(c, list) and len(c) > 1 and c[0] in ("CMD", "CMD-SHELL"),
        "must be ['CMD', command...] or ['CMD-SHELL', command]",
        _ECS_HEALTH,
    ),
)

# EventBridge Scheduler: cron(minutes hours day-of-month month day-of-week year), rate(...), at(...).
_SCHEDULER = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html"
_CRON_FIELDS = (
    r"[0-9,\-*/]+",  # minutes
    r"[0-9,\-*/]+",  # hours
    r"[0-9,\-*/?LW]+",  # day-of-month
    r"[0-9A-Za-z,\-*/]+",  # month
    r"[0-9A-Za-z,\-*?L#]+",  # day-of-week: no '/'
    r"[0-9,\-*/]+",  # year
)


def _scheduler_expression(value: object) -> bool:
    text = str(value)
    if re.fullmatch(r"rate\(\d+ (minute|minutes|hour|hours|day|days)\)|at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)", text):
        return True
    match = re.fullmatch(r"cron\((.*)\)", text)
    fields = match.group(1).split(" ") if match else []
    if len(fields) != 6 or not all(re.fullmatch(rule, f) for rule, f in zip(_CRON_FIELDS, fields, strict=True)):
        return False
    return (fields[2] == "?") != (fields[4] == "?")  # exactly one of the two day fields is '?'


SCHEDULE_EXPRESSION = (
    predicate(
        _scheduler_expression,
        "must be cron() with six fields (exactly one of day-of-month and day-of-week '?'), rate() or at()",
        _SCHEDULER,
    ),
)


def _time_zone(value: object) -> bool:
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


SCHEDULE_TIME_ZONE = (predicate(_time_zone, "must be an IANA time zone such as Europe/Berlin", _SCHEDULER),)

# CloudWatch.
_CW = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference"
DASHBOARD_NAME = (
    length(1, 255, f"{_CW}/API_PutDashboard.html"),
    pattern(r"[A-Za-z0-9_-]+", "letters, digits, '-' and '_' only", f"{_CW}/API_PutDashboard.html"),
)
DASHBOARD_BODY = (
    length(1, 1024 * 1024, "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html"),
)
ALARM_NAME = (forbid(r"[\x00-\x1f\x7f]", "contain control characters", f"{_CW}/API_PutMetricAlarm.html"),)
ALARM_PERIOD = (
    predicate(
        lambda p: p in (10, 20, 30) or (isinstance(p, int) and p > 0 and p % 60 == 0),
        "must be 10, 20, 30 or a multiple of 60",
        f"{_CW}/API_PutMetricAlarm.html",
    ),
)
ALARM_EXTENDED_STATISTIC = (
    pattern(r"p(\d{1,2}(\.\d+)?|100)", "a percentile such as p95 or p99.9", f"{_CW}/API_PutMetricAlarm.html"),
)
ALARM_MISSING_DATA = (one_of(["breaching", "notBreaching", "ignore", "missing"], f"{_CW}/API_PutMetricAlarm.html"),)
METRIC_QUERY_ID = (
    pattern(
        r"[a-z][A-Za-z0-9_]*", "a lowercase letter, then letters, digits and '_'", f"{_CW}/API_MetricDataQuery.html"
    ),
)
LOG_RETENTION_DAYS = (
    one_of(
        [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
    ),
)

# Secrets Manager, KMS, SNS, IAM, ACM, Cloud Map, CloudFront, Route 53.
_SM = "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html"
SECRET_NAME = (
    pattern(r"[A-Za-z0-9/_+=.@-]+", "letters, digits and /_+=.@- only", _SM),
    # A trailing '-' and six characters reads like the random suffix of a secret ARN.
    forbid(r"-[A-Za-z0-9]{6}$", "end with '-' and six characters (reserved for ARN suffixes)", _SM),
)
SECRET_RECOVERY_WINDOW = (
    predicate(
        lambda d: d == 0 or (isinstance(d, int) and 7 <= d <= 30),
        "must be 0 (force delete) or 7 to 30",
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html",
    ),
)
KMS_ALIAS = (
    pattern(
        r"alias/[A-Za-z0-9:/_-]+",
        "'alias/' followed by letters, digits and :/_- ",
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
    ),
    forbid(
        r"^alias/aws/",
        "start with alias/aws/ (reserved for AWS managed keys)",
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
    ),
)
KMS_DELETION_WINDOW = (
    number(7, 30, "https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html"),
)
SNS_TOPIC_NAME = (
    length(1, 256, "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html"),
    pattern(
        r"[A-Za-z0-9_-]+",
        "letters, digits, '-' and '_' only",
        "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    ),
)
SNS_PROTOCOL = (
    one_of(
        ["http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"],
        "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html",
    ),
)
SNS_TOPIC_POLICY = (length(1, 30 * 1024, "https://docs.aws.amazon.com/general/latest/gr/sns.html"),)
# All inline policies of one role together: 10,240 characters (checked per role in aws.py).
IAM_INLINE_POLICIES_PER_ROLE = 10240
IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
_ACM = "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html"
ACM_DOMAIN = (length(1, 64, _ACM + " (the first domain name cannot exceed 64 octets)"),)
_DNS_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DNS_NAME = (
    length(1, 253, "https://www.rfc-editor.org/rfc/rfc1035#section-2.3.4"),
    pattern(
        rf"(\*\.)?({_DNS_LABEL}\.)*{_DNS_LABEL}\.?",
        "a DNS name of labels of at most 63 letters, digits and hyphens",
        "https://www.rfc-editor.org/rfc/rfc1035#section-2.3.4",
    ),
)
_ROUTE53 = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html"
ROUTE53_RECORD_NAME = (
    length(1, 255, _ROUTE53),
    pattern(
        r"(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?",
        "a DNS name of labels of at most 63 letters, digits, '_' and '-'",
        _ROUTE53,
    ),
)
CLOUDFRONT_COMMENT = (
    length(0, 128, "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html"),
)
_OAC = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginAccessControlConfig.html"
OAC_NAME = (length(1, 64, _OAC),)
OAC_DESCRIPTION = (length(0, 256, _OAC),)
EFS_POSIX_ID = (number(0, 4294967295, "https://docs.aws.amazon.com/efs/latest/ug/API_PosixUser.html"),)
FLOW_LOG_INTERVAL = (one_of([60, 600], f"{EC2}/API_CreateFlowLogs.html"),)

# Tags: every taggable AWS resource.
_TAGS = "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html"
_TAG_TEXT = r"[\w\s.:/=+\-@]*"
TAG_KEY = (
    length(1, 128, _TAGS),
    pattern(_TAG_TEXT, "letters, digits, spaces and _.:/=+-@ only", _TAGS),
    forbid(r"^aws:", "start with 'aws:' (reserved)", _TAGS),
)
TAG_VALUE = (length(0, 256, _TAGS), pattern(_TAG_TEXT, "letters, digits, spaces and _.:/=+-@ only", _TAGS))
TAGS = (length(0, 50, _TAGS),)
