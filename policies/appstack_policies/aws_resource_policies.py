"""Resource policies beyond S3: every pulumi-aws resource whose policy document names its own principals.

The S3 bucket policy keeps its own rule (s3-no-public-policy). Left out on purpose: identity policies
(IAM, IoT, session policies: they have no Principal), endpoint and API policies where Principal "*" is
the documented normal form and IAM still decides (ec2 VPC endpoint policies, API Gateway REST API and
domain policies), and documents that are not IAM policies at all (data-protection, lifecycle, OpenSearch
Serverless, Verified Access, Network Manager and Config rule documents).
"""

from __future__ import annotations

from collections.abc import Iterator

from .iam_documents import public_grants
from .model import MANDATORY, Resource, RuleContext, RuleSet
from .values import parse_json_document

# Type token -> the input holding its resource policy, as in pulumi-aws 7.51 (none has an alias token).
RESOURCE_POLICY_FIELDS: dict[str, str] = {
    "aws:acmpca/policy:Policy": "policy",
    "aws:amp/resourcePolicy:ResourcePolicy": "policyDocument",
    "aws:backup/vaultPolicy:VaultPolicy": "policy",
    "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy": "policy",
    "aws:cloudsearch/domainServiceAccessPolicy:DomainServiceAccessPolicy": "accessPolicy",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "policy",
    "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy": "accessPolicy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
    "aws:codeartifact/domainPermissions:DomainPermissions": "policyDocument",
    "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy": "policyDocument",
    "aws:codebuild/resourcePolicy:ResourcePolicy": "policy",
    "aws:dsql/clusterPolicy:ClusterPolicy": "policy",
    "aws:dynamodb/resourcePolicy:ResourcePolicy": "policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "policy",
    "aws:elasticsearch/domain:Domain": "accessPolicies",
    "aws:elasticsearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:glacier/vault:Vault": "accessPolicy",
    "aws:glacier/vaultLock:VaultLock": "policy",
    "aws:glue/resourcePolicy:ResourcePolicy": "policy",
    "aws:kinesis/resourcePolicy:ResourcePolicy": "policy",
    "aws:kms/externalKey:ExternalKey": "policy",
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:kms/replicaExternalKey:ReplicaExternalKey": "policy",
    "aws:kms/replicaKey:ReplicaKey": "policy",
    "aws:lambda/resourcePolicy:ResourcePolicy": "policy",
    "aws:mediastore/containerPolicy:ContainerPolicy": "policy",
    "aws:msk/clusterPolicy:ClusterPolicy": "policy",
    "aws:networkfirewall/resourcePolicy:ResourcePolicy": "policy",
    "aws:oam/sinkPolicy:SinkPolicy": "policy",
    "aws:opensearch/domain:Domain": "accessPolicies",
    "aws:opensearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:opensearchingest/resourcePolicy:ResourcePolicy": "policy",
    "aws:pinpoint/smsvoicev2ResourcePolicy:Smsvoicev2ResourcePolicy": "policy",
    "aws:redshift/resourcePolicy:ResourcePolicy": "policy",
    "aws:redshiftserverless/resourcePolicy:ResourcePolicy": "policy",
    "aws:s3/accessPoint:AccessPoint": "policy",
    "aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy": "policy",
    "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy": "policy",
    "aws:s3control/accessGrantsInstanceResourcePolicy:AccessGrantsInstanceResourcePolicy": "policy",
    "aws:s3control/accessPointPolicy:AccessPointPolicy": "policy",
    "aws:s3control/bucketPolicy:BucketPolicy": "policy",
    "aws:s3control/objectLambdaAccessPointPolicy:ObjectLambdaAccessPointPolicy": "policy",
    "aws:s3tables/tableBucketPolicy:TableBucketPolicy": "resourcePolicy",
    "aws:s3tables/tablePolicy:TablePolicy": "resourcePolicy",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "resourcePolicy",
    "aws:schemas/registryPolicy:RegistryPolicy": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:ses/identityPolicy:IdentityPolicy": "policy",
    "aws:sesv2/emailIdentityPolicy:EmailIdentityPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:vpclattice/authPolicy:AuthPolicy": "policy",
    "aws:vpclattice/resourcePolicy:ResourcePolicy": "policy",
    "aws:xray/resourcePolicy:ResourcePolicy": "policyDocument",
}

rules = RuleSet()


@rules.resource(
    "resource-policy-no-public-principal",
    MANDATORY,
    RESOURCE_POLICY_FIELDS,
    "Resource policies (KMS keys, SNS topics, SQS queues, secrets, ECR repositories, EFS, OpenSearch and every "
    "other pulumi-aws resource policy) must not allow any principal unless a Condition pins the caller.",
    "Name the principals (an account or role ARN, a service with aws:SourceArn/aws:SourceAccount), or add a "
    "Condition on aws:PrincipalOrgID, aws:PrincipalAccount, kms:CallerAccount or aws:SourceVpce.",
)
def resource_policy_no_public_principal(r: Resource, ctx: RuleContext) -> Iterator[str]:
    """Principal "*" in an Allow hands the resource to every AWS account (a key anyone may decrypt with, a
    topic or queue anyone may read or flood, a secret anyone may fetch); a condition such as
    aws:SecureTransport narrows nothing.
    """
    field = RESOURCE_POLICY_FIELDS[r.type]
    for index, actions in public_grants(parse_json_document(r.get(field))):
        yield f"{field} statement {index} allows {actions} to any principal."
