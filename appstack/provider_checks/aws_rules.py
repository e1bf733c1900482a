"""Which inputs of each AWS resource type appstack registers the AWS API constrains, and how.

RULES maps each pulumi-aws type token to its constrained inputs: botocore's models (`B(...)`: the SDKs'
own min/max/pattern/enum) plus the documented rules botocore lacks (aws_constraints), and the input the
provider fills from the resource name when it is left unset (pulumi-aws autonaming).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import aws_constraints as C
from .botocore_shapes import shape
from .core import Constraint, FieldRule, length

AUTONAME_SUFFIX = "-0a1b2c3"  # stands for the provider's '-' + 7 random hex characters


def B(service: str, operation: str, member: str) -> tuple[Constraint, ...]:  # noqa: N802 - reads like a citation
    return shape(service, operation, member)


@dataclass(frozen=True)
class AutoName:
    """An input the provider fills from the resource name when it is left unset (pulumi-aws autonaming)."""

    field: str
    max_length: int  # the provider's own limit for the generated name
    lowercase: bool = False
    prefix: str = ""


@dataclass(frozen=True)
class TypeRules:
    fields: tuple[FieldRule, ...] = ()
    autoname: AutoName | None = None
    taggable: bool = True


def F(path: str, *groups: tuple[Constraint, ...]) -> FieldRule:  # noqa: N802
    return FieldRule(path, tuple(c for group in groups for c in group))


PULUMI_AWS_AUTONAMING = "https://github.com/pulumi/pulumi-aws/blob/master/provider/resources.go (autonaming)"

# Ingress and egress rules take the same inputs (AuthorizeSecurityGroupIngress/Egress IpPermissions).
SECURITY_GROUP_RULE = TypeRules(
    (
        F("description", C.SG_RULE_DESCRIPTION),
        F("ipProtocol", C.IP_PROTOCOL),
        F("fromPort", C.PORT_OR_ALL),
        F("toPort", C.PORT_OR_ALL),
        F("cidrIpv4", C.CIDR_IPV4),
        F("cidrIpv6", C.CIDR_IPV6),
    )
)

RULES: dict[str, TypeRules] = {
    "aws:acm/certificate:Certificate": TypeRules(
        (
            F("domainName", B("acm", "RequestCertificate", "DomainName"), C.ACM_DOMAIN),
            F("subjectAlternativeNames", B("acm", "RequestCertificate", "SubjectAlternativeNames")),
            F("subjectAlternativeNames[]", B("acm", "RequestCertificate", "SubjectAlternativeNames[]")),
            F("keyAlgorithm", B("acm", "RequestCertificate", "KeyAlgorithm")),
            F("validationMethod", B("acm", "RequestCertificate", "ValidationMethod")),
        )
    ),
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace": TypeRules(
        (F("name", B("amp", "CreateRuleGroupsNamespace", "name")),)
    ),
    "aws:amp/workspace:Workspace": TypeRules((F("alias", B("amp", "CreateWorkspace", "alias")),)),
    # The API model gives min 1; the user guide's maximum (1095 days) is enforced by the spec.
    "aws:amp/workspaceConfiguration:WorkspaceConfiguration": TypeRules(
        (F("retentionPeriodInDays", B("amp", "UpdateWorkspaceConfiguration", "retentionPeriodInDays")),)
    ),
    "aws:appautoscaling/policy:Policy": TypeRules(
        (
            F("name", B("application-autoscaling", "PutScalingPolicy", "PolicyName")),
            F("policyType", B("application-autoscaling", "PutScalingPolicy", "PolicyType")),
            F("scalableDimension", B("application-autoscaling", "PutScalingPolicy", "ScalableDimension")),
            F("serviceNamespace", B("application-autoscaling", "PutScalingPolicy", "ServiceNamespace")),
            F(
                "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType",
                B(
                    "application-autoscaling",
                    "PutScalingPolicy",
                    "TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType",
                ),
            ),
            F(
                "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel",
                B(
                    "application-autoscaling",
                    "PutScalingPolicy",
                    "TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel",
                ),
            ),
        ),
        AutoName("name", 255),
        taggable=False,
    ),
    "aws:appautoscaling/target:Target": TypeRules(
        (
            F("scalableDimension", B("application-autoscaling", "RegisterScalableTarget", "ScalableDimension")),
            F("serviceNamespace", B("application-autoscaling", "RegisterScalableTarget", "ServiceNamespace")),
        )
    ),
    "aws:cloudfront/distribution:Distribution": TypeRules(
        (
            F("comment", C.CLOUDFRONT_COMMENT),
            F("priceClass", B("cloudfront", "CreateDistribution", "DistributionConfig.PriceClass")),
            F("httpVersion", B("cloudfront", "CreateDistribution", "DistributionConfig.HttpVersion")),
            F(
                "viewerCertificate.minimumProtocolVersion",
                B("cloudfront", "CreateDistribution", "DistributionConfig.ViewerCertificate.MinimumProtocolVersion"),
            ),
        )
    ),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": TypeRules(
        (
            F("securityHeadersConfig.frameOptions.frameOption", C.CLOUDFRONT_FRAME_OPTION),
            F("securityHeadersConfig.referrerPolicy.referrerPolicy", C.CLOUDFRONT_REFERRER_POLICY),
        ),
        taggable=False,
    ),
    "aws:cloudfront/originAccessControl:OriginAccessControl": TypeRules(
        (
            F("name", C.OAC_NAME),
            F("description", C.OAC_DESCRIPTION),
            F(
                "originAccessControlOriginType",
                B("cloudfront", "CreateOriginAccessControl", "OriginAccessControlConfig.OriginAccessControlOriginType"),
            ),
            F(
                "signingBehavior",
                B("cloudfront", "CreateOriginAccessControl", "OriginAccessControlConfig.SigningBehavior"),
            ),
            F(
                "signingProtocol",
                B("cloudfront", "CreateOriginAccessControl", "OriginAccessControlConfig.SigningProtocol"),
            ),
        ),
        taggable=False,
    ),
    "aws:cloudwatch/dashboard:Dashboard": TypeRules(
        (
            F("dashboardName", C.DASHBOARD_NAME),
            F("dashboardBody", C.DASHBOARD_BODY),
        ),
        taggable=False,
    ),
    "aws:cloudwatch/eventRule:EventRule": TypeRules(
        (
            F("name", B("events", "PutRule", "Name")),
            F("description", B("events", "PutRule", "Description")),
            F("eventPattern", B("events", "PutRule", "EventPattern")),
            F("state", B("events", "PutRule", "State")),
        ),
        AutoName("name", 64),
    ),
    "aws:cloudwatch/eventTarget:EventTarget": TypeRules(
        (
            F("targetId", B("events", "PutTargets", "Targets[].Id")),
            F("arn", B("events", "PutTargets", "Targets[].Arn")),
            F("inputTransformer.inputPaths", B("events", "PutTargets", "Targets[].InputTransformer.InputPathsMap")),
            F(
                "inputTransformer.inputTemplate",
                B("events", "PutTargets", "Targets[].InputTransformer.InputTemplate"),
            ),
        ),
        taggable=False,
    ),
    "aws:cloudwatch/logGroup:LogGroup": TypeRules(
        (
            F("name", B("logs", "CreateLogGroup", "logGroupName")),
            F("retentionInDays", C.LOG_RETENTION_DAYS),
        ),
        AutoName("name", 512),
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": TypeRules(
        (
            F("name", B("cloudwatch", "PutMetricAlarm", "AlarmName"), C.ALARM_NAME),
            F("alarmDescription", B("cloudwatch", "PutMetricAlarm", "AlarmDescription")),
            F("comparisonOperator", B("cloudwatch", "PutMetricAlarm", "ComparisonOperator")),
            F("statistic", B("cloudwatch", "PutMetricAlarm", "Statistic")),
            F("extendedStatistic", C.ALARM_EXTENDED_STATISTIC),
            F("metricName", B("cloudwatch", "PutMetricAlarm", "MetricName")),
            F("namespace", B("cloudwatch", "PutMetricAlarm", "Namespace")),
            F("period", C.ALARM_PERIOD),
            F("evaluationPeriods", B("cloudwatch", "PutMetricAlarm", "EvaluationPeriods")),
            F("datapointsToAlarm", B("cloudwatch", "PutMetricAlarm", "DatapointsToAlarm")),
            F("treatMissingData", C.ALARM_MISSING_DATA),
            F("alarmActions", B("cloudwatch", "PutMetricAlarm", "AlarmActions")),
            F("okActions", B("cloudwatch", "PutMetricAlarm", "OKActions")),
            F("dimensions", B("cloudwatch", "PutMetricAlarm", "Dimensions")),
            F("dimensions{k}", B("cloudwatch", "PutMetricAlarm", "Dimensions[].Name")),
            F("dimensions{}", B("cloudwatch", "PutMetricAlarm", "Dimensions[].Value")),
            F("metricQueries[].id", B("cloudwatch", "PutMetricAlarm", "Metrics[].Id"), C.METRIC_QUERY_ID),
            F("metricQueries[].expression", B("cloudwatch", "PutMetricAlarm", "Metrics[].Expression")),
            F("metricQueries[].metric.period", C.ALARM_PERIOD),
            F("metricQueries[].metric.metricName", B("cloudwatch", "PutMetricAlarm", "MetricName")),
            F("metricQueries[].metric.namespace", B("cloudwatch", "PutMetricAlarm", "Namespace")),
            F("metricQueries[].metric.dimensions{}", B("cloudwatch", "PutMetricAlarm", "Dimensions[].Value")),
        ),
        AutoName("name", 255),
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": TypeRules(
        (
            F("ingress[].description", C.SG_RULE_DESCRIPTION),
            F("egress[].description", C.SG_RULE_DESCRIPTION),
        )
    ),
    "aws:ec2/eip:Eip": TypeRules((F("domain", B("ec2", "AllocateAddress", "Domain")),)),
    "aws:ec2/flowLog:FlowLog": TypeRules(
        (
            F("trafficType", B("ec2", "CreateFlowLogs", "TrafficType")),
            F("logDestinationType", B("ec2", "CreateFlowLogs", "LogDestinationType")),
            F("maxAggregationInterval", C.FLOW_LOG_INTERVAL),
        )
    ),
    "aws:ec2/natGateway:NatGateway": TypeRules(
        (F("connectivityType", B("ec2", "CreateNatGateway", "ConnectivityType")),)
    ),
    "aws:ec2/route:Route": TypeRules((F("destinationCidrBlock", C.CIDR_IPV4),), taggable=False),
    "aws:ec2/subnet:Subnet": TypeRules((F("cidrBlock", C.CIDR_IPV4),)),
    "aws:ec2/vpc:Vpc": TypeRules((F("cidrBlock", C.CIDR_IPV4),)),
    "aws:ec2/securityGroup:SecurityGroup": TypeRules(
        (
            F("name", C.SG_NAME),
            F("description", C.SG_DESCRIPTION),
            F("ingress[].description", C.SG_RULE_DESCRIPTION),
            F("egress[].description", C.SG_RULE_DESCRIPTION),
        ),
        AutoName("name", 255),
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": TypeRules(
        (F("vpcEndpointType", B("ec2", "CreateVpcEndpoint", "VpcEndpointType")),)
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": TypeRules(
        (F("policy", B("ecr", "PutLifecyclePolicy", "lifecyclePolicyText")),), taggable=False
    ),
    "aws:ecr/repository:Repository": TypeRules(
        (
            F("name", B("ecr", "CreateRepository", "repositoryName")),
            F("imageTagMutability", B("ecr", "CreateRepository", "imageTagMutability")),
            F(
                "encryptionConfigurations[].encryptionType",
                B("ecr", "CreateRepository", "encryptionConfiguration.encryptionType"),
            ),
        ),
        AutoName("name", 255, lowercase=True),
    ),
    "aws:ecs/cluster:Cluster": TypeRules(
        (
            F("name", C.ECS_CLUSTER_NAME),
            F("settings[].name", B("ecs", "CreateCluster", "settings[].name")),
        ),
        AutoName("name", 255),
    ),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": TypeRules(
        (
            F("clusterName", C.ECS_CLUSTER_NAME),
            F("capacityProviders[]", C.ECS_CAPACITY_PROVIDER),
            F("defaultCapacityProviderStrategies[].capacityProvider", C.ECS_CAPACITY_PROVIDER),
        ),
        taggable=False,
    ),
    "aws:ecs/service:Service": TypeRules(
        (
            F("name", C.ECS_SERVICE_NAME),
            F("propagateTags", B("ecs", "CreateService", "propagateTags")),
            F("healthCheckGracePeriodSeconds", C.ECS_HEALTH_GRACE),
            F("deploymentMaximumPercent", C.ECS_PERCENT),
            F("deploymentMinimumHealthyPercent", C.ECS_PERCENT),
            F("loadBalancers[].containerName", C.ECS_CONTAINER_NAME),
            F("capacityProviderStrategies[].capacityProvider", C.ECS_CAPACITY_PROVIDER),
        ),
        AutoName("name", 255),
    ),
    "aws:ecs/taskDefinition:TaskDefinition": TypeRules(
        (
            F("family", C.ECS_FAMILY),
            F("cpu", C.FARGATE_CPU),
            F("networkMode", B("ecs", "RegisterTaskDefinition", "networkMode")),
            F("requiresCompatibilities[]", B("ecs", "RegisterTaskDefinition", "requiresCompatibilities[]")),
            F("containerDefinitions", C.ECS_CONTAINER_DEFINITIONS),
            F("containerDefinitions@json[].name", C.ECS_CONTAINER_NAME),
            F("containerDefinitions@json[].healthCheck.command", C.ECS_HEALTH_COMMAND),
            F("containerDefinitions@json[].healthCheck.interval", C.ECS_HEALTH_INTERVAL),
            F("containerDefinitions@json[].healthCheck.timeout", C.ECS_HEALTH_TIMEOUT),
            F("containerDefinitions@json[].healthCheck.retries", C.ECS_HEALTH_RETRIES),
            F("containerDefinitions@json[].healthCheck.startPeriod", C.ECS_HEALTH_START_PERIOD),
            F(
                "containerDefinitions@json[].logConfiguration.options.awslogs-group",
                B("logs", "CreateLogGroup", "logGroupName"),
            ),
            F("volumes[].name", C.ECS_VOLUME_NAME),
            F("runtimePlatform.cpuArchitecture", C.ECS_CPU_ARCHITECTURE),
            F("runtimePlatform.operatingSystemFamily", C.ECS_OS_FAMILY),
        )
    ),
    "aws:efs/accessPoint:AccessPoint": TypeRules(
        (
            F("rootDirectory.path", B("efs", "CreateAccessPoint", "RootDirectory.Path")),
            F(
                "rootDirectory.creationInfo.permissions",
                B("efs", "CreateAccessPoint", "RootDirectory.CreationInfo.Permissions"),
            ),
            F("rootDirectory.creationInfo.ownerUid", C.EFS_POSIX_ID),
            F("rootDirectory.creationInfo.ownerGid", C.EFS_POSIX_ID),
            F("posixUser.uid", C.EFS_POSIX_ID),
            F("posixUser.gid", C.EFS_POSIX_ID),
        )
    ),
    "aws:efs/backupPolicy:BackupPolicy": TypeRules(
        (F("backupPolicy.status", B("efs", "PutBackupPolicy", "BackupPolicy.Status")),), taggable=False
    ),
    "aws:efs/fileSystem:FileSystem": TypeRules(
        (
            F("creationToken", B("efs", "CreateFileSystem", "CreationToken")),
            F("performanceMode", B("efs", "CreateFileSystem", "PerformanceMode")),
            F("throughputMode", B("efs", "CreateFileSystem", "ThroughputMode")),
        ),
        AutoName("creationToken", 255),
    ),
    "aws:efs/fileSystemPolicy:FileSystemPolicy": TypeRules(
        (F("policy", B("efs", "PutFileSystemPolicy", "Policy")),), taggable=False
    ),
    "aws:elasticache/parameterGroup:ParameterGroup": TypeRules(
        (
            F("name", C.CACHE_PARAMETER_GROUP_NAME),
            F("family", C.CACHE_FAMILY),
            F("description", C.CACHE_DESCRIPTION),
        ),
        AutoName("name", 255, lowercase=True),
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": TypeRules(
        (
            F("replicationGroupId", C.REPLICATION_GROUP_ID),
            F("finalSnapshotIdentifier", C.CACHE_SNAPSHOT_NAME),
            F("engine", C.CACHE_ENGINE),
            F("nodeType", C.CACHE_NODE_TYPE),
            F("numCacheClusters", C.CACHE_CLUSTERS),
            F("snapshotRetentionLimit", C.CACHE_SNAPSHOT_RETENTION),
            F("maintenanceWindow", C.MAINTENANCE_WINDOW),
            F("snapshotWindow", C.BACKUP_WINDOW),
            F("authToken", C.CACHE_AUTH_TOKEN),
            F("transitEncryptionMode", B("elasticache", "CreateReplicationGroup", "TransitEncryptionMode")),
            F(
                "logDeliveryConfigurations[].destinationType",
                B("elasticache", "CreateReplicationGroup", "LogDeliveryConfigurations[].DestinationType"),
            ),
            F(
                "logDeliveryConfigurations[].logFormat",
                B("elasticache", "CreateReplicationGroup", "LogDeliveryConfigurations[].LogFormat"),
            ),
            F(
                "logDeliveryConfigurations[].logType",
                B("elasticache", "CreateReplicationGroup", "LogDeliveryConfigurations[].LogType"),
            ),
        ),
        AutoName("replicationGroupId", 40, lowercase=True),
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": TypeRules(
        (
            F("name", C.CACHE_SUBNET_GROUP_NAME),
            F("description", C.CACHE_DESCRIPTION),
        ),
        AutoName("name", 255, lowercase=True),
    ),
    "aws:iam/role:Role": TypeRules(
        (
            F("name", B("iam", "CreateRole", "RoleName")),
            F("path", B("iam", "CreateRole", "Path")),
            F("description", B("iam", "CreateRole", "Description")),
            F("assumeRolePolicy", B("iam", "CreateRole", "AssumeRolePolicyDocument")),
        ),
        AutoName("name", 64),
    ),
    "aws:iam/rolePolicy:RolePolicy": TypeRules(
        (
            F("name", B("iam", "PutRolePolicy", "PolicyName")),
            F("policy", B("iam", "PutRolePolicy", "PolicyDocument")),
        ),
        AutoName("name", 128),
        taggable=False,
    ),
    "aws:kms/alias:Alias": TypeRules(
        (F("name", B("kms", "CreateAlias", "AliasName"), C.KMS_ALIAS),),
        AutoName("name", 238, prefix="alias/"),
        taggable=False,
    ),
    "aws:kms/key:Key": TypeRules(
        (
            F("description", B("kms", "CreateKey", "Description")),
            F("keyUsage", B("kms", "CreateKey", "KeyUsage")),
            F("customerMasterKeySpec", B("kms", "CreateKey", "CustomerMasterKeySpec")),
            F("deletionWindowInDays", C.KMS_DELETION_WINDOW),
            F("rotationPeriodInDays", B("kms", "EnableKeyRotation", "RotationPeriodInDays")),
        )
    ),
    "aws:kms/keyPolicy:KeyPolicy": TypeRules((F("policy", B("kms", "PutKeyPolicy", "Policy")),), taggable=False),
    "aws:lb/listener:Listener": TypeRules(
        (
            F("port", B("elbv2", "CreateListener", "Port")),
            F("protocol", B("elbv2", "CreateListener", "Protocol")),
            F("routingHttpResponseXFrameOptionsHeaderValue", C.ALB_X_FRAME_OPTIONS),
            F("routingHttpResponseXContentTypeOptionsHeaderValue", C.ALB_X_CONTENT_TYPE_OPTIONS),
            F("routingHttpResponseStrictTransportSecurityHeaderValue", C.ALB_HSTS),
            F("defaultActions[].type", B("elbv2", "CreateListener", "DefaultActions[].Type")),
            F(
                "defaultActions[].redirect.statusCode",
                B("elbv2", "CreateListener", "DefaultActions[].RedirectConfig.StatusCode"),
            ),
            F(
                "defaultActions[].fixedResponse.statusCode",
                B("elbv2", "CreateListener", "DefaultActions[].FixedResponseConfig.StatusCode"),
            ),
            F(
                "defaultActions[].fixedResponse.contentType",
                B("elbv2", "CreateListener", "DefaultActions[].FixedResponseConfig.ContentType"),
            ),
            F(
                "defaultActions[].fixedResponse.messageBody",
                B("elbv2", "CreateListener", "DefaultActions[].FixedResponseConfig.MessageBody"),
            ),
        )
    ),
    "aws:lb/listenerRule:ListenerRule": TypeRules(
        (
            F("priority", B("elbv2", "CreateRule", "Priority")),
            F("actions[].type", B("elbv2", "CreateRule", "Actions[].Type")),
            F("conditions[].pathPattern.values[]", C.ALB_PATH_PATTERN),
            F("conditions[].hostHeader.values[]", C.ALB_HOST_HEADER),
            F("transforms[].type", C.ALB_TRANSFORM_TYPE),
            F("transforms[].urlRewriteConfig.rewrite.regex", C.ALB_REWRITE_REGEX),
            F("transforms[].urlRewriteConfig.rewrite.replace", C.ALB_REWRITE_REPLACE),
        )
    ),
    "aws:lb/loadBalancer:LoadBalancer": TypeRules(
        (
            F("name", C.LB_NAME),
            F("loadBalancerType", B("elbv2", "CreateLoadBalancer", "Type")),
            F("idleTimeout", C.LB_IDLE_TIMEOUT),
            F("desyncMitigationMode", C.DESYNC_MODE),
        ),
        AutoName("name", 255),
    ),
    "aws:lb/targetGroup:TargetGroup": TypeRules(
        (
            F("name", C.TARGET_GROUP_NAME),
            F("port", B("elbv2", "CreateTargetGroup", "Port")),
            F("protocol", B("elbv2", "CreateTargetGroup", "Protocol")),
            F("protocolVersion", C.PROTOCOL_VERSION),
            F("targetType", B("elbv2", "CreateTargetGroup", "TargetType")),
            F("deregistrationDelay", C.DEREGISTRATION_DELAY),
            F("healthCheck.path", B("elbv2", "CreateTargetGroup", "HealthCheckPath")),
            F("healthCheck.interval", B("elbv2", "CreateTargetGroup", "HealthCheckIntervalSeconds")),
            F("healthCheck.timeout", B("elbv2", "CreateTargetGroup", "HealthCheckTimeoutSeconds")),
            F("healthCheck.healthyThreshold", B("elbv2", "CreateTargetGroup", "HealthyThresholdCount")),
            F("healthCheck.unhealthyThreshold", B("elbv2", "CreateTargetGroup", "UnhealthyThresholdCount")),
            F("healthCheck.protocol", B("elbv2", "CreateTargetGroup", "HealthCheckProtocol")),
            F("healthCheck.matcher", C.HTTP_MATCHER),
        ),
        AutoName("name", 255),
    ),
    "aws:rds/instance:Instance": TypeRules(
        (
            F("identifier", C.RDS_INSTANCE_ID),
            F("finalSnapshotIdentifier", C.RDS_SNAPSHOT_ID),
            F("dbName", C.RDS_POSTGRES_DB_NAME),
            F("username", C.RDS_POSTGRES_USERNAME),
            F("password", C.RDS_MASTER_PASSWORD),
            F("instanceClass", C.RDS_INSTANCE_CLASS),
            F("storageType", C.RDS_STORAGE_TYPE),
            F("allocatedStorage", C.RDS_POSTGRES_STORAGE_GB),
            F("maxAllocatedStorage", C.RDS_POSTGRES_STORAGE_GB),
            F("backupRetentionPeriod", C.RDS_BACKUP_RETENTION),
            F("backupWindow", C.BACKUP_WINDOW),
            F("maintenanceWindow", C.MAINTENANCE_WINDOW),
            F("performanceInsightsRetentionPeriod", C.RDS_PI_RETENTION),
            F("port", C.RDS_PORT),
            F("enabledCloudwatchLogsExports[]", C.RDS_POSTGRES_LOG_EXPORTS),
        ),
        AutoName("identifier", 255),
    ),
    "aws:rds/parameterGroup:ParameterGroup": TypeRules(
        (
            F("name", C.RDS_PARAMETER_GROUP_NAME),
            F("family", C.POSTGRES_FAMILY),
            F("parameters[].applyMethod", C.PARAMETER_APPLY_METHOD),
        ),
        AutoName("name", 255, lowercase=True),
    ),
    "aws:rds/snapshot:Snapshot": TypeRules(
        (F("dbSnapshotIdentifier", C.RDS_SNAPSHOT_ID), F("dbInstanceIdentifier", C.RDS_INSTANCE_ID)),
    ),
    "aws:rds/subnetGroup:SubnetGroup": TypeRules(
        (F("name", C.RDS_SUBNET_GROUP_NAME),), AutoName("name", 255, lowercase=True)
    ),
    "aws:route53/record:Record": TypeRules(
        (
            F("name", C.ROUTE53_RECORD_NAME),
            F("type", B("route53", "ChangeResourceRecordSets", "ChangeBatch.Changes[].ResourceRecordSet.Type")),
            F("ttl", B("route53", "ChangeResourceRecordSets", "ChangeBatch.Changes[].ResourceRecordSet.TTL")),
        ),
        taggable=False,
    ),
    "aws:s3/bucket:Bucket": TypeRules((F("bucket", C.S3_BUCKET_NAME),), AutoName("bucket", 63, lowercase=True)),
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": TypeRules(
        (
            F("corsRules", (length(1, 100, "https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html"),)),
            F("corsRules[].allowedMethods[]", C.S3_CORS_METHODS),
        ),
        taggable=False,
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": TypeRules(
        (
            F("rules[].id", C.S3_LIFECYCLE_RULE_ID),
            F("rules[].status", B("s3", "PutBucketLifecycleConfiguration", "LifecycleConfiguration.Rules[].Status")),
        ),
        taggable=False,
    ),
    "aws:s3/bucketLogging:BucketLogging": TypeRules((F("targetPrefix", C.S3_LOG_PREFIX),), taggable=False),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": TypeRules(
        (
            F(
                "rule.objectOwnership",
                B("s3", "PutBucketOwnershipControls", "OwnershipControls.Rules[].ObjectOwnership"),
            ),
        ),
        taggable=False,
    ),
    "aws:s3/bucketPolicy:BucketPolicy": TypeRules((F("policy", C.S3_BUCKET_POLICY),), taggable=False),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": TypeRules(
        (
            F(
                "rules[].applyServerSideEncryptionByDefault.sseAlgorithm",
                B(
                    "s3",
                    "PutBucketEncryption",
                    "ServerSideEncryptionConfiguration.Rules[].ApplyServerSideEncryptionByDefault.SSEAlgorithm",
                ),
            ),
        ),
        taggable=False,
    ),
    "aws:s3/bucketVersioning:BucketVersioning": TypeRules(
        (F("versioningConfiguration.status", C.S3_VERSIONING_STATUS),), taggable=False
    ),
    "aws:scheduler/schedule:Schedule": TypeRules(
        (
            F("name", B("scheduler", "CreateSchedule", "Name")),
            F("groupName", B("scheduler", "CreateSchedule", "GroupName")),
            F("description", B("scheduler", "CreateSchedule", "Description")),
            F("scheduleExpression", B("scheduler", "CreateSchedule", "ScheduleExpression"), C.SCHEDULE_EXPRESSION),
            F(
                "scheduleExpressionTimezone",
                B("scheduler", "CreateSchedule", "ScheduleExpressionTimezone"),
                C.SCHEDULE_TIME_ZONE,
            ),
            F("state", B("scheduler", "CreateSchedule", "State")),
            F("flexibleTimeWindow.mode", B("scheduler", "CreateSchedule", "FlexibleTimeWindow.Mode")),
            F(
                "flexibleTimeWindow.maximumWindowInMinutes",
                B("scheduler", "CreateSchedule", "FlexibleTimeWindow.MaximumWindowInMinutes"),
            ),
            F("target.arn", B("scheduler", "CreateSchedule", "Target.Arn")),
            F("target.roleArn", B("scheduler", "CreateSchedule", "Target.RoleArn")),
            F(
                "target.retryPolicy.maximumRetryAttempts",
                B("scheduler", "CreateSchedule", "Target.RetryPolicy.MaximumRetryAttempts"),
            ),
            F(
                "target.retryPolicy.maximumEventAgeInSeconds",
                B("scheduler", "CreateSchedule", "Target.RetryPolicy.MaximumEventAgeInSeconds"),
            ),
            F(
                "target.ecsParameters.launchType",
                B("scheduler", "CreateSchedule", "Target.EcsParameters.LaunchType"),
            ),
            F(
                "target.ecsParameters.taskCount",
                B("scheduler", "CreateSchedule", "Target.EcsParameters.TaskCount"),
            ),
            F("target.ecsParameters.group", B("scheduler", "CreateSchedule", "Target.EcsParameters.Group")),
            F(
                "target.ecsParameters.platformVersion",
                B("scheduler", "CreateSchedule", "Target.EcsParameters.PlatformVersion"),
            ),
            F(
                "target.ecsParameters.networkConfiguration.subnets",
                B(
                    "scheduler",
                    "CreateSchedule",
                    "Target.EcsParameters.NetworkConfiguration.awsvpcConfiguration.Subnets",
                ),
            ),
            F(
                "target.ecsParameters.networkConfiguration.securityGroups",
                B(
                    "scheduler",
                    "CreateSchedule",
                    "Target.EcsParameters.NetworkConfiguration.awsvpcConfiguration.SecurityGroups",
                ),
            ),
        ),
        AutoName("name", 64),
        taggable=False,  # schedules take no tags (their group does)
    ),
    "aws:scheduler/scheduleGroup:ScheduleGroup": TypeRules(
        (F("name", B("scheduler", "CreateScheduleGroup", "Name")),),
        AutoName("name", 64),
    ),
    "aws:secretsmanager/secret:Secret": TypeRules(
        (
            F("name", B("secretsmanager", "CreateSecret", "Name"), C.SECRET_NAME),
            F("description", B("secretsmanager", "CreateSecret", "Description")),
            F("recoveryWindowInDays", C.SECRET_RECOVERY_WINDOW),
        ),
        AutoName("name", 512),
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": TypeRules(
        (F("secretString", B("secretsmanager", "CreateSecret", "SecretString")),), taggable=False
    ),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": TypeRules(
        (
            F("name", B("servicediscovery", "CreatePrivateDnsNamespace", "Name"), C.DNS_NAME),
            F("description", B("servicediscovery", "CreatePrivateDnsNamespace", "Description")),
        )
    ),
    "aws:servicediscovery/service:Service": TypeRules(
        (
            F("name", B("servicediscovery", "CreateService", "Name")),
            F("dnsConfig.dnsRecords[].type", B("servicediscovery", "CreateService", "DnsConfig.DnsRecords[].Type")),
            F("dnsConfig.dnsRecords[].ttl", B("servicediscovery", "CreateService", "DnsConfig.DnsRecords[].TTL")),
            F("dnsConfig.routingPolicy", B("servicediscovery", "CreateService", "DnsConfig.RoutingPolicy")),
        ),
        AutoName("name", 255),
    ),
    "aws:sns/topic:Topic": TypeRules((F("name", C.SNS_TOPIC_NAME),), AutoName("name", 80)),
    "aws:sns/topicPolicy:TopicPolicy": TypeRules((F("policy", C.SNS_TOPIC_POLICY),), taggable=False),
    "aws:sns/topicSubscription:TopicSubscription": TypeRules((F("protocol", C.SNS_PROTOCOL),), taggable=False),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": SECURITY_GROUP_RULE,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": SECURITY_GROUP_RULE,
}

# Registered types whose inputs are references, booleans or documents the API does not constrain
# beyond their type; each says why, so adding a type here is a decision, not an oversight.
NO_INPUT_CONSTRAINTS: dict[str, str] = {
    "aws:acm/certificateValidation:CertificateValidation": "only ARNs and FQDNs of other resources",
    "aws:amp/alertManagerDefinition:AlertManagerDefinition": "a YAML document and the workspace ID",
    "aws:ec2/internetGateway:InternetGateway": "the VPC ID and tags",
    "aws:ec2/routeTable:RouteTable": "the VPC ID and tags",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "two IDs",
    "aws:efs/mountTarget:MountTarget": "IDs of the file system, subnet and security groups",
    "aws:lb/listenerCertificate:ListenerCertificate": "the ARNs of a listener and a certificate",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "the bucket and four booleans",
}
