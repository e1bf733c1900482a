"""What forces a replacement, and which resources hold state.

Tables are keyed by Pulumi type token and list *input* properties (camelCase,
Pulumi property-path syntax) whose change makes the provider replace the
resource (delete + create) instead of updating it in place.  Sources: the
``ForceNew`` / "can only be set on creation" notes of the upstream providers as
surfaced in the pulumi-aws / pulumi-kubernetes SDK docstrings, and the
Kubernetes API's immutable fields (which pulumi-kubernetes turns into replaces).
The tables are deliberately conservative: when unsure, a property is listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .paths import Path, parse_path

Inputs = dict[str, Any]
Condition = Callable[[Inputs | None, Inputs | None], bool]


@dataclass(frozen=True)
class TypeRule:
    replace: tuple[str, ...] = ()
    # every input forces a replacement except these (immutable resources, e.g. ECS task definitions)
    replace_all_except: tuple[str, ...] | None = None
    # path -> predicate(base_inputs, head_inputs): replace only when the predicate holds
    conditional: dict[str, Condition] = field(default_factory=dict)
    stateful: bool | Condition = False
    what: str = ""  # human description of the data at risk

    def replace_paths(self) -> list[Path]:
        return [parse_path(p) for p in self.replace]


def _get(inputs: Inputs | None, path: str) -> Any:
    cur: Any = inputs
    for tok in parse_path(path):
        if isinstance(cur, dict) and isinstance(tok, str):
            cur = cur.get(tok)
        elif isinstance(cur, list) and isinstance(tok, int) and tok < len(cur):
            cur = cur[tok]
        else:
            return None
    return cur


def _version_tuple(text: Any) -> tuple[int, ...] | None:
    if not isinstance(text, str):
        return None
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts) or None


def _redis_before_705(base: Inputs | None, head: Inputs | None) -> bool:
    # "Changing this argument with an engine_version < 7.0.5 will force a replacement."
    version = _version_tuple(_get(head, "engineVersion")) or _version_tuple(_get(base, "engineVersion"))
    return version is None or version < (7, 0, 5)


def _immutable_object(base: Inputs | None, head: Inputs | None) -> bool:
    return bool(_get(base, "immutable")) or bool(_get(head, "immutable"))


def _has_claim_templates(base: Inputs | None, head: Inputs | None) -> bool:
    return bool(_get(base, "spec.volumeClaimTemplates")) or bool(_get(head, "spec.volumeClaimTemplates"))


RULES: dict[str, TypeRule] = {
    # ----------------------------------------------------------------- AWS, stateful
    "aws:rds/instance:Instance": TypeRule(
        replace=("availabilityZone", "backupTarget", "characterSetName", "customIamInstanceProfile",
                 "dbName", "engine", "identifier", "identifierPrefix", "kmsKeyId",
                 "ncharCharacterSetName", "restoreToPointInTime", "s3Import", "snapshotIdentifier",
                 "storageEncrypted", "timezone", "username"),
        stateful=True, what="database (all rows, unless restored from a snapshot)"),
    "aws:rds/cluster:Cluster": TypeRule(
        replace=("availabilityZones", "clusterIdentifier", "clusterIdentifierPrefix", "databaseName",
                 "dbSubnetGroupName", "engine", "engineMode", "kmsKeyId", "masterUsername",
                 "restoreToPointInTime", "s3Import", "snapshotIdentifier", "sourceRegion",
                 "storageEncrypted"),
        stateful=True, what="database cluster storage"),
    # a manual snapshot is immutable; it holds a copy of the database (appstack retains it on delete)
    "aws:rds/snapshot:Snapshot": TypeRule(replace_all_except=("tags", "tagsAll"), stateful=True,
                                          what="the manual snapshot (a copy of the database)"),
    "aws:rds/clusterInstance:ClusterInstance": TypeRule(
        replace=("availabilityZone", "clusterIdentifier", "customIamInstanceProfile", "dbSubnetGroupName",
                 "engine", "identifier", "identifierPrefix")),
    "aws:elasticache/replicationGroup:ReplicationGroup": TypeRule(
        replace=("atRestEncryptionEnabled", "dataTieringEnabled", "globalReplicationGroupId", "kmsKeyId",
                 "networkType", "port", "preferredCacheClusterAzs", "replicationGroupId",
                 "securityGroupNames", "snapshotArns", "snapshotName", "subnetGroupName"),
        conditional={"transitEncryptionEnabled": _redis_before_705},
        stateful=True, what="cache contents"),
    "aws:s3/bucket:Bucket": TypeRule(replace=("bucket", "bucketPrefix", "objectLockEnabled"),
                                     stateful=True, what="all objects in the bucket"),
    "aws:s3/bucketV2:BucketV2": TypeRule(replace=("bucket", "bucketPrefix", "objectLockEnabled"),
                                         stateful=True, what="all objects in the bucket"),
    "aws:efs/fileSystem:FileSystem": TypeRule(
        replace=("availabilityZoneName", "creationToken", "encrypted", "kmsKeyId", "performanceMode"),
        stateful=True, what="all files on the file system"),
    "aws:kms/key:Key": TypeRule(
        replace=("customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"),
        stateful=True, what="the key material: data encrypted under it becomes unreadable"),
    "aws:secretsmanager/secret:Secret": TypeRule(replace=("name", "namePrefix"), stateful=True,
                                                 what="the secret and its versions"),
    "aws:ecr/repository:Repository": TypeRule(replace=("encryptionConfigurations", "name"), stateful=True,
                                              what="all images in the repository"),
    # generated secrets: every input (and `keepers`) forces a new value; an encryption key or
    # signing secret that changes invalidates sessions or makes encrypted data unreadable
    "random:index/randomPassword:RandomPassword": TypeRule(
        replace_all_except=(), stateful=True, what="the generated value (keys/tokens derived from it)"),
    "random:index/randomString:RandomString": TypeRule(
        replace_all_except=(), stateful=True, what="the generated value (keys/tokens derived from it)"),
    "random:index/randomId:RandomId": TypeRule(replace_all_except=()),
    "random:index/randomBytes:RandomBytes": TypeRule(
        replace_all_except=(), stateful=True, what="the generated bytes (keys derived from them)"),
    # ------------------------------------------------------------- AWS, stateless
    "aws:secretsmanager/secretVersion:SecretVersion": TypeRule(
        replace=("secretBinary", "secretId", "secretString")),
    "aws:ecs/taskDefinition:TaskDefinition": TypeRule(
        replace_all_except=("tags", "tagsAll", "skipDestroy", "trackLatest")),
    "aws:ecs/service:Service": TypeRule(replace=("cluster", "iamRole", "launchType", "name",
                                                 "schedulingStrategy")),
    "aws:ecs/cluster:Cluster": TypeRule(replace=("name",)),
    "aws:lb/loadBalancer:LoadBalancer": TypeRule(replace=("internal", "loadBalancerType", "name",
                                                          "namePrefix")),
    "aws:lb/targetGroup:TargetGroup": TypeRule(replace=("ipAddressType", "name", "namePrefix", "port",
                                                        "protocol", "protocolVersion", "targetType",
                                                        "vpcId")),
    "aws:lb/listener:Listener": TypeRule(replace=("loadBalancerArn",)),
    "aws:ec2/securityGroup:SecurityGroup": TypeRule(replace=("description", "name", "namePrefix", "vpcId")),
    "aws:cloudwatch/logGroup:LogGroup": TypeRule(replace=("logGroupClass", "name", "namePrefix")),
    "aws:iam/role:Role": TypeRule(replace=("name", "namePrefix", "path")),
    "aws:kms/alias:Alias": TypeRule(replace=("name", "namePrefix")),
    "aws:efs/mountTarget:MountTarget": TypeRule(replace=("fileSystemId", "ipAddress", "subnetId")),
    "aws:efs/accessPoint:AccessPoint": TypeRule(replace=("fileSystemId", "posixUser", "rootDirectory")),
    "aws:rds/subnetGroup:SubnetGroup": TypeRule(replace=("name", "namePrefix")),
    "aws:rds/parameterGroup:ParameterGroup": TypeRule(replace=("description", "family", "name",
                                                               "namePrefix")),
    "aws:elasticache/subnetGroup:SubnetGroup": TypeRule(replace=("name",)),
    "aws:elasticache/parameterGroup:ParameterGroup": TypeRule(replace=("description", "family", "name")),
    # edge: a new certificate means a new ARN on the listener and DNS validation again
    "aws:acm/certificate:Certificate": TypeRule(
        replace=("certificateAuthorityArn", "domainName", "keyAlgorithm", "subjectAlternativeNames",
                 "validationMethod", "validationOptions")),
    "aws:acm/certificateValidation:CertificateValidation": TypeRule(
        replace=("certificateArn", "validationRecordFqdns")),
    "aws:route53/record:Record": TypeRule(replace=("name", "setIdentifier", "zoneId")),
    "aws:cloudfront/distribution:Distribution": TypeRule(),
    "aws:cloudfront/originAccessControl:OriginAccessControl": TypeRule(),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": TypeRule(),
    "aws:lb/listenerRule:ListenerRule": TypeRule(replace=("listenerArn",)),
    # an app stack's certificate on its environment's listener: the provider has no update for it
    "aws:lb/listenerCertificate:ListenerCertificate": TypeRule(replace=("certificateArn", "listenerArn")),
    # network
    "aws:ec2/vpc:Vpc": TypeRule(replace=("cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength")),
    "aws:ec2/subnet:Subnet": TypeRule(replace=("availabilityZone", "availabilityZoneId", "cidrBlock",
                                               "ipv6Native", "outpostArn", "vpcId")),
    "aws:ec2/routeTable:RouteTable": TypeRule(replace=("vpcId",)),
    "aws:ec2/route:Route": TypeRule(replace=("destinationCidrBlock", "destinationIpv6CidrBlock",
                                             "destinationPrefixListId", "routeTableId")),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": TypeRule(replace=("gatewayId", "subnetId")),
    "aws:ec2/internetGateway:InternetGateway": TypeRule(),
    "aws:ec2/natGateway:NatGateway": TypeRule(replace=("allocationId", "connectivityType", "privateIp",
                                                       "subnetId")),
    "aws:ec2/eip:Eip": TypeRule(replace=("address", "customerOwnedIpv4Pool", "domain", "ipamPoolId",
                                         "networkBorderGroup", "publicIpv4Pool")),
    "aws:ec2/vpcEndpoint:VpcEndpoint": TypeRule(replace=("serviceName", "vpcEndpointType", "vpcId")),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": TypeRule(replace=("vpcId",)),
    # flow logs cannot be modified: any change recreates them
    "aws:ec2/flowLog:FlowLog": TypeRule(replace_all_except=("tags", "tagsAll")),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": TypeRule(replace=("securityGroupId",)),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": TypeRule(replace=("securityGroupId",)),
    # compute, scaling, discovery
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": TypeRule(replace=("clusterName",)),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": TypeRule(replace=("repository",)),
    "aws:appautoscaling/target:Target": TypeRule(replace=("resourceId", "scalableDimension",
                                                          "serviceNamespace")),
    "aws:appautoscaling/policy:Policy": TypeRule(replace=("name", "resourceId", "scalableDimension",
                                                          "serviceNamespace")),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": TypeRule(replace=("name", "vpc")),
    "aws:servicediscovery/service:Service": TypeRule(
        replace=("dnsConfig.dnsRecords[*].type", "dnsConfig.namespaceId", "dnsConfig.routingPolicy",
                 "healthCheckConfig.type", "healthCheckCustomConfig", "name", "namespaceId", "type")),
    "aws:iam/rolePolicy:RolePolicy": TypeRule(replace=("name", "namePrefix", "role")),
    "aws:kms/keyPolicy:KeyPolicy": TypeRule(replace=("keyId",)),
    "aws:efs/backupPolicy:BackupPolicy": TypeRule(replace=("fileSystemId",)),
    "aws:efs/fileSystemPolicy:FileSystemPolicy": TypeRule(replace=("fileSystemId",)),
    # observability and alerting
    "aws:cloudwatch/dashboard:Dashboard": TypeRule(replace=("dashboardName",)),
    # schedules (EventBridge Scheduler, or an EventBridge rule and its target)
    "aws:scheduler/schedule:Schedule": TypeRule(replace=("groupName", "name", "namePrefix")),
    "aws:scheduler/scheduleGroup:ScheduleGroup": TypeRule(replace=("name", "namePrefix")),
    "aws:cloudwatch/eventRule:EventRule": TypeRule(replace=("eventBusName", "name", "namePrefix")),
    "aws:cloudwatch/eventTarget:EventTarget": TypeRule(replace=("eventBusName", "rule", "targetId")),
    "aws:cloudwatch/metricAlarm:MetricAlarm": TypeRule(replace=("alarmName",)),
    "aws:sns/topic:Topic": TypeRule(replace=("fifoTopic", "name", "namePrefix")),
    "aws:sns/topicPolicy:TopicPolicy": TypeRule(replace=("arn",)),
    "aws:sns/topicSubscription:TopicSubscription": TypeRule(replace=("endpoint", "protocol", "topicArn")),
    "aws:amp/workspace:Workspace": TypeRule(replace=("kmsKeyArn",)),
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace": TypeRule(replace=("name", "workspaceId")),
    "aws:amp/alertManagerDefinition:AlertManagerDefinition": TypeRule(replace=("workspaceId",)),
    "aws:amp/workspaceConfiguration:WorkspaceConfiguration": TypeRule(replace=("workspaceId",)),
    # per-bucket settings: each is bound to its bucket
    **{f"aws:s3/{kind}:{kind[0].upper()}{kind[1:]}": TypeRule(replace=("bucket", "expectedBucketOwner"))
       for kind in ("bucketCorsConfiguration", "bucketLifecycleConfiguration", "bucketLogging",
                    "bucketOwnershipControls", "bucketPolicy", "bucketPublicAccessBlock",
                    "bucketServerSideEncryptionConfiguration", "bucketVersioning")},
    # a rebuilt image under a new name is a new registry object (the old tag stays in ECR)
    "docker:index/image:Image": TypeRule(replace=("imageName",)),
    # ------------------------------------------------------------------ Kubernetes
    "kubernetes:apps/v1:StatefulSet": TypeRule(
        replace=("spec.podManagementPolicy", "spec.selector", "spec.serviceName",
                 "spec.volumeClaimTemplates"),
        stateful=_has_claim_templates, what="pods; PersistentVolumeClaims from volumeClaimTemplates"),
    "kubernetes:apps/v1:Deployment": TypeRule(replace=("spec.selector",)),
    "kubernetes:apps/v1:DaemonSet": TypeRule(replace=("spec.selector",)),
    "kubernetes:apps/v1:ReplicaSet": TypeRule(replace=("spec.selector",)),
    "kubernetes:batch/v1:Job": TypeRule(replace=("spec.completionMode", "spec.selector", "spec.template")),
    "kubernetes:core/v1:PersistentVolumeClaim": TypeRule(
        replace=("spec.accessModes", "spec.dataSource", "spec.dataSourceRef", "spec.selector",
                 "spec.storageClassName", "spec.volumeMode", "spec.volumeName",
                 "spec.resources.limits"),
        stateful=True, what="the volume's data"),
    "kubernetes:core/v1:PersistentVolume": TypeRule(
        replace=("spec.csi", "spec.hostPath", "spec.local", "spec.nfs", "spec.nodeAffinity",
                 "spec.storageClassName", "spec.volumeMode"),
        stateful=True, what="the volume's data (depending on its reclaim policy)"),
    "kubernetes:core/v1:Namespace": TypeRule(stateful=True,
                                             what="every object in the namespace, PVCs included"),
    "kubernetes:core/v1:Service": TypeRule(replace=("spec.clusterIP", "spec.clusterIPs")),
    "kubernetes:core/v1:Secret": TypeRule(replace=("type",),
                                          conditional={"data": _immutable_object,
                                                       "stringData": _immutable_object}),
    "kubernetes:core/v1:ConfigMap": TypeRule(conditional={"data": _immutable_object,
                                                          "binaryData": _immutable_object}),
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": TypeRule(replace=("roleRef",)),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": TypeRule(replace=("roleRef",)),
    "kubernetes:storage.k8s.io/v1:StorageClass": TypeRule(
        replace=("parameters", "provisioner", "reclaimPolicy", "volumeBindingMode")),
    "kubernetes:postgresql.cnpg.io/v1:Cluster": TypeRule(
        stateful=True, what="the PostgreSQL cluster and its volumes"),
    # no immutable field besides the object's name and namespace (PodDisruptionBudget's selector is
    # mutable since policy/v1; a CronJob's jobTemplate applies to the next run)
    **{f"kubernetes:{token}": TypeRule() for token in (
        "core/v1:ServiceAccount", "batch/v1:CronJob", "autoscaling/v2:HorizontalPodAutoscaler",
        "networking.k8s.io/v1:Ingress", "networking.k8s.io/v1:NetworkPolicy", "policy/v1:PodDisruptionBudget",
        "cert-manager.io/v1:Certificate", "postgresql.cnpg.io/v1:ScheduledBackup",
        "monitoring.coreos.com/v1:PrometheusRule", "monitoring.coreos.com/v1:ServiceMonitor")},
    # an on-demand CloudNativePG backup is taken once, at creation
    "kubernetes:postgresql.cnpg.io/v1:Backup": TypeRule(replace=("spec",)),
    # a Helm release is found by its name in its namespace
    "kubernetes:helm.sh/v3:Release": TypeRule(replace=("name", "namespace")),
    # -------------------------------------------------------------------- providers
    "pulumi:providers:aws": TypeRule(replace=("region",)),
    "pulumi:providers:kubernetes": TypeRule(replace=("cluster", "context")),
}

# Generic rules by type-token prefix.
PREFIX_REPLACE: dict[str, tuple[str, ...]] = {
    # pulumi-aws v7: every resource has a per-resource `region`, and moving it recreates the resource
    "aws:": ("region",),
    # a different object name / namespace is a different Kubernetes object
    "kubernetes:": ("metadata.name", "metadata.namespace"),
}

# Defence in depth: inputs shown as "[secret]" even when the plan forgot to mask them.
SENSITIVE_KEYS = frozenset({
    "authToken", "authTokenWo", "masterPassword", "masterPasswordWo", "password", "passwordWo",
    "secretBinary", "secretString", "secretStringWo", "privateKey", "kubeconfig", "token",
})
SENSITIVE_TOP_LEVEL: dict[str, frozenset[str]] = {
    "kubernetes:core/v1:Secret": frozenset({"data", "stringData"}),
}


def rule_for(type_token: str) -> TypeRule:
    return RULES.get(type_token, TypeRule())


def known(type_token: str) -> bool:
    """Whether the table states this type's replace-forcing inputs (an unknown type is reported as such)."""
    return type_token in RULES


def generic_replace_paths(type_token: str) -> list[Path]:
    if type_token.startswith("kubernetes:helm.sh/") or type_token.startswith("kubernetes:yaml"):
        return []
    out: list[Path] = []
    for prefix, props in PREFIX_REPLACE.items():
        if type_token.startswith(prefix):
            out.extend(parse_path(p) for p in props)
    return out


def is_stateful(type_token: str, base: Inputs | None, head: Inputs | None) -> bool:
    stateful = rule_for(type_token).stateful
    return stateful(base, head) if callable(stateful) else bool(stateful)


def stateful_types() -> list[str]:
    return sorted(t for t, r in RULES.items() if r.stateful)
