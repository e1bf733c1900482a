"""One app's data layer on AWS: key, security groups, buckets, Postgres, Redis, volumes and secrets,
summarized as the AppDataRefs the compute layer codes against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from appstack.components.bindings import app_values, secret_values

from appstack.naming.aws import kms_alias
from appstack.naming.checks import ACM_FIRST_DOMAIN
from appstack.spec import (
    AppSpec,
    ExternalCacheSpec,
    ExternalDatabaseSpec,
    PostgresSpec,
    RedisSpec,
    SqliteSpec,
    available_attributes,
)
from appstack.stackconfig import StackSettings

from .app_secrets import AppSecretStore, AppSecretStoreArgs
from .buckets import AccessLogBucket, AccessLogBucketArgs, AppBucket, AppBucketArgs
from .certificate import CertificateArgs
from .common import child, tags
from .contracts import AppDataRefs, FileSystemRefs, NetworkRefs, namespace_name
from .file_systems import ServiceVolume, ServiceVolumeArgs
from .kms import AppKey, AppKeyArgs
from .postgres import PORT as POSTGRES_PORT
from .postgres import PostgresArgs, PostgresDatabase
from .redis import PORT as REDIS_PORT
from .redis import RedisArgs, RedisCache
from .security_groups import AppSecurityGroups, AppSecurityGroupsArgs

CDN_CERTIFICATE_REGION = "us-east-1"


def service_host(app: str, stack: str, service: str) -> str:
    """The internal host of a service, as the compute layer registers it in Cloud Map."""
    return f"{service}.{namespace_name(app, stack)}"


def cdn_domain(spec: AppSpec, bucket: str) -> str | None:
    """The host a `cdn` bucket is served at: `<bucket>.<app domain>` when the app has a domain with TLS."""
    storage = (spec.storage or {}).get(bucket)
    if storage is None or storage.access != "cdn" or not (spec.domain and spec.tls):
        return None
    return f"{bucket}.{spec.domain}"


def cdn_certificate(spec: AppSpec, bucket: str, settings: StackSettings) -> CertificateArgs | None:
    """The CDN host's certificate. ACM takes at most 64 characters in a certificate's first name: a longer
    host becomes an alternative name (up to 253) behind the app's domain, whose validation record the
    ALB's certificate already creates when the app is public."""
    host = cdn_domain(spec, bucket)
    if host is None or spec.domain is None:
        return None
    zone = settings.aws.hosted_zone_id
    if len(host) <= ACM_FIRST_DOMAIN:
        return CertificateArgs(domains=[host], hosted_zone_id=zone)
    alb_validates = bool(spec.public_services) and not settings.aws.certificate_arn
    return CertificateArgs(domains=[spec.domain, host], hosted_zone_id=zone,
                           validated_elsewhere=[spec.domain] if alb_validates else [])


def backup_retention_days(spec: AppSpec, settings: StackSettings) -> int:
    """The longer of the aws override and the spec's backup policy (prod), else the tier's; prod never below
    the tier's 7. A guide's retention stated in the spec survives a shorter stack-wide setting."""
    defaults, override = settings.defaults, settings.aws.backup_retention_days
    spec_days = spec.database.backup.retention_days if isinstance(spec.database, PostgresSpec) and \
        spec.database.backup and defaults.high_availability else None
    stated = [d for d in (override, spec_days) if d]
    days = max(stated) if stated else defaults.backup_retention_days
    return max(days, defaults.backup_retention_days) if defaults.protect_stateful else days


@dataclass(frozen=True)
class AppDataArgs:
    spec: AppSpec
    settings: StackSettings
    stack: str
    secrets: Mapping[str, pulumi.Output[str]]
    network: NetworkRefs
    endpoint_security_group_id: pulumi.Output[str] | None = None


class AppData(pulumi.ComponentResource):
    refs: AppDataRefs
    # For the compute layer's dashboards and alarms (None when the app has no such store).
    database_instance_id: pulumi.Output[str] | None
    cache_replication_group_id: pulumi.Output[str] | None
    cache_node_count: int

    def __init__(self, name: str, args: AppDataArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AppData", name, None, opts)
        spec, settings, stack = args.spec, args.settings, args.stack
        defaults = settings.defaults
        protect, ha = defaults.protect_stateful, defaults.high_availability
        app_tags = tags(stack, spec.name)
        key = AppKey(name, AppKeyArgs(
            description=f"appstack {stack}/{spec.name}: data, secrets and logs",
            alias=kms_alias(stack, spec.name), deletion_window_days=30 if protect else 7,
            protect=protect, tags=app_tags,
        ), opts=child(self))
        account = key.account

        volumes = [(svc, vol, s) for svc, s in sorted(spec.services.items()) for vol in sorted(s.volumes)]
        stores = [store for store, present in (
            ("postgres", isinstance(spec.database, PostgresSpec)), ("redis", isinstance(spec.cache, RedisSpec)),
            ("efs", bool(volumes))) if present]
        groups = AppSecurityGroups(name, AppSecurityGroupsArgs(
            app=spec.name, stack=stack, vpc_id=args.network.vpc_id,
            service_ports={n: s.port for n, s in spec.services.items() if not s.scrape_only}, data_stores=stores,
            endpoint_security_group_id=args.endpoint_security_group_id, egress=spec.outbound_rules(),
        ), opts=child(self))

        log_bucket = None
        if spec.storage and ha:
            log_bucket = AccessLogBucket(f"{name}-access-logs", AccessLogBucketArgs(
                app=spec.name, stack=stack, retention_days=defaults.log_retention_days, protect=protect,
                account_id=account.account_id, tags=tags(stack, spec.name, "access-logs"),
            ), opts=child(self))
        # CloudFront takes certificates from us-east-1 only.
        us_east_1 = None
        if spec.domain and spec.tls and settings.aws.region != CDN_CERTIFICATE_REGION and any(
                b.access == "cdn" for b in (spec.storage or {}).values()):
            us_east_1 = aws.Provider(f"{name}-{CDN_CERTIFICATE_REGION}", region=CDN_CERTIFICATE_REGION,
                                     opts=child(self))
        buckets = {
            bucket_name: AppBucket(f"{name}-{bucket_name}", AppBucketArgs(
                app=spec.name, stack=stack, bucket_name=bucket_name, spec=bucket, app_values=app_values(spec),
                kms_key_arn=key.raw_arn, versioning=ha, protect=protect,
                log_bucket=log_bucket.bucket.bucket if log_bucket else None,
                tags=tags(stack, spec.name, f"bucket-{bucket_name}"), cdn_domain=cdn_domain(spec, bucket_name),
                cdn_certificate=cdn_certificate(spec, bucket_name, settings), us_east_1=us_east_1,
                security_headers=spec.edge.security_headers,
            ), opts=child(self))
            for bucket_name, bucket in sorted(spec.storage.items())
        }
        key.attach_policy(
            [b.distribution_arn for b in buckets.values() if b.distribution_arn is not None],
            event_rules=bool(spec.schedules),  # failed scheduled jobs are notified through the app's topic
        )

        values: dict[str, pulumi.Input[str]] = {**app_values(spec), **secret_values(dict(args.secrets))}
        admin_url: pulumi.Output[str] | None = None
        app_verifier: pulumi.Output[str] | None = None
        self.database_app_role: str | None = None
        self.database_instance_id, self.cache_replication_group_id, self.cache_node_count = None, None, 0
        retention = backup_retention_days(spec, settings)
        db = spec.database
        if isinstance(db, PostgresSpec):
            postgres = PostgresDatabase(f"{name}-postgres", PostgresArgs(
                app=spec.name, stack=stack, spec=db, subnet_ids=args.network.isolated_subnet_ids,
                security_group_id=groups.data_ids["postgres"], kms_key_arn=key.arn, high_availability=ha,
                protect=protect, backup_retention_days=retention, log_retention_days=defaults.log_retention_days,
                tags=tags(stack, spec.name, "postgres"), ssl_root_cert=settings.aws.postgres_ssl_root_cert,
            ), opts=child(self))
            self.database_instance_id = postgres.instance.identifier
            # Every binding is the application role's; the master URL goes only to the db-bootstrap job.
            values.update({
                "postgres.url": postgres.url, "database.url": postgres.url, "postgres.host": postgres.host,
                "postgres.port": str(POSTGRES_PORT), "postgres.database": db.database,
                "postgres.user": postgres.app_user, "postgres.password": postgres.password, "postgres.tls": "true",
            })
            admin_url, app_verifier = postgres.admin_url, postgres.app_password_verifier
            self.database_app_role = postgres.app_user
        elif isinstance(db, ExternalDatabaseSpec):
            values["postgres.url"] = values["database.url"] = args.secrets[db.url_secret]
        elif isinstance(db, SqliteSpec):
            values["database.url"] = f"sqlite://{db.path}"
        if isinstance(spec.cache, RedisSpec):
            redis = RedisCache(f"{name}-redis", RedisArgs(
                app=spec.name, stack=stack, spec=spec.cache, subnet_ids=args.network.isolated_subnet_ids,
                security_group_id=groups.data_ids["redis"], kms_key_arn=key.arn, high_availability=ha,
                protect=protect, snapshot_retention_days=retention if ha else 0,
                log_retention_days=defaults.log_retention_days, tags=tags(stack, spec.name, "redis"),
                auth_token_update_strategy=settings.aws.redis_auth_token_update,
            ), opts=child(self))
            self.cache_replication_group_id = redis.group.id
            self.cache_node_count = 2 if ha else 1
            values.update({"redis.url": redis.url, "redis.host": redis.host, "redis.port": str(REDIS_PORT),
                           "redis.password": redis.password, "redis.tls": "true", "redis.scheme": "rediss",
                           "redis.ca_file": ""})  # ElastiCache's certificates chain to public roots
        elif isinstance(spec.cache, ExternalCacheSpec):
            values["redis.url"] = args.secrets[spec.cache.url_secret]

        for bucket_name, bucket in buckets.items():
            base = f"storage.{bucket_name}"
            values[f"{base}.bucket"] = bucket.bucket_id
            values[f"{base}.region"] = account.region
            values[f"{base}.endpoint"] = pulumi.Output.concat("https://s3.", account.region, ".", account.dns_suffix)
            if bucket.public_url is not None:
                values[f"{base}.public_url"] = bucket.public_url
        for service_name, service in spec.services.items():
            host = service_host(spec.name, args.stack, service_name)
            values.update({f"services.{service_name}.host": host, f"services.{service_name}.port": str(service.port),
                           f"services.{service_name}.address": f"{host}:{service.port}",
                           f"services.{service_name}.url": f"http://{host}:{service.port}"})

        file_systems: dict[tuple[str, str], FileSystemRefs] = {}
        for service_name, volume_name, service in volumes:
            file_systems[(service_name, volume_name)] = ServiceVolume(
                f"{name}-{service_name}-{volume_name}", ServiceVolumeArgs(
                    app=spec.name, service=service_name, volume=volume_name, uid=service.run_as_user,
                    gid=service.group, private_subnet_ids=args.network.private_subnet_ids,
                    security_group_id=groups.data_ids["efs"], kms_key_arn=key.arn, backups=ha, protect=protect,
                    tags=tags(stack, spec.name, f"volume-{service_name}-{volume_name}"),
                ), opts=child(self)).refs

        # Every secret attribute leaves as a Pulumi secret, whatever produced it.
        attributes = available_attributes(spec)
        binding_values = {
            k: pulumi.Output.secret(v) if attributes[k].secret else pulumi.Output.from_input(v)
            for k, v in sorted(values.items())
        }
        store = AppSecretStore(name, AppSecretStoreArgs(
            app=spec.name, spec=spec, secrets=args.secrets, binding_values=binding_values, kms_key_arn=key.arn,
            recovery_window_days=defaults.secret_recovery_window_days, protect=protect, tags=app_tags,
            database_admin_url=admin_url, database_app_verifier=app_verifier,
        ), opts=child(self))
        self.refs = AppDataRefs(
            kms_key_arn=key.arn,
            workload_security_group_id=groups.workload_id,
            binding_values=binding_values,
            env_secret_arns=store.env_secret_arns,
            secret_arns=store.arns,
            bucket_arns={n: b.arn for n, b in buckets.items()},
            file_systems=file_systems,
            database_admin_url_secret_arn=store.database_admin_url_arn,
            database_app_verifier_secret_arn=store.database_app_verifier_arn,
            database_app_role=self.database_app_role,
        )
        self.register_outputs({"kms_key_arn": key.arn, "workload_security_group_id": groups.workload_id})
