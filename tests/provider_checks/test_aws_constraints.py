"""Each AWS constraint the layer knows, one rejected and one accepted input per row (table-driven)."""

from __future__ import annotations

import json

import pytest

from appstack.provider_checks.aws_rules import RULES

from .helpers import findings_for, messages, planned

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SCHEDULE = "aws:scheduler/schedule:Schedule"

# (type, resource name, rejected inputs, path, words of the message, accepted inputs)
CASES = [
    (INGRESS, "r", {"description": "from the app's tasks"}, "description", "._-:/()#,@[]+=&;{}!$*",
     {"description": "from the app tasks (service discovery) #1 @ [x]"}),
    (INGRESS, "r", {"description": "x" * 256}, "description", "at most 255", {"description": "x" * 255}),
    (INGRESS, "r", {"cidrIpv4": "10.0.0.1/16"}, "cidrIpv4", "IPv4 network", {"cidrIpv4": "10.0.0.0/16"}),
    (INGRESS, "r", {"fromPort": 70000}, "fromPort", "at most 65535", {"fromPort": 443}),
    (SG, "r", {"name": "sg-web"}, "name", "start with 'sg-'", {"name": "web-sg"}),
    (SG, "sg-web", {}, "name", "start with 'sg-'", {"name": "explicit"}),
    (SG, "r", {"description": "Zugriff für alle"}, "description", "letters, digits", {"description": "HTTPS in"}),
    ("aws:lb/targetGroup:TargetGroup", "a" * 25, {}, "name", "at most 32", {"name": "a" * 32}),
    ("aws:lb/targetGroup:TargetGroup", "r", {"name": "-web"}, "name", "not starting or ending", {"name": "web"}),
    ("aws:lb/targetGroup:TargetGroup", "r", {"healthCheck": {"path": "/x", "interval": 3}}, "healthCheck.interval",
     "at least 5", {"healthCheck": {"path": "/x", "interval": 30}}),
    ("aws:lb/loadBalancer:LoadBalancer", "r", {"name": "internal-app"}, "name", "'internal-'", {"name": "app"}),
    ("aws:lb/listenerRule:ListenerRule", "r", {"conditions": [{"pathPattern": {"values": ["/a;b"]}}]},
     "conditions[0].pathPattern.values[0]", "A-Z, a-z", {"conditions": [{"pathPattern": {"values": ["/api/*"]}}]}),
    ("aws:lb/listenerRule:ListenerRule", "r", {"priority": 0}, "priority", "at least 1", {"priority": 100}),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "a" * 33, {}, "replicationGroupId", "at most 40",
     {"replicationGroupId": "a" * 40}),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "r", {"replicationGroupId": "app--redis"},
     "replicationGroupId", "single hyphens", {"replicationGroupId": "app-redis"}),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "r", {"replicationGroupId": "x", "authToken": "short"},
     "authToken", "at least 16", {"replicationGroupId": "x", "authToken": "a" * 64}),
    ("aws:iam/role:Role", "a" * 57, {}, "name", "at most 64", {"name": "a" * 64}),
    ("aws:iam/role:Role", "r", {"name": "app role"}, "name", "matching", {"name": "app-role+=,.@_"}),
    ("aws:s3/bucket:Bucket", "r", {"bucket": "My_Bucket"}, "bucket", "lowercase", {"bucket": "my-bucket"}),
    ("aws:s3/bucket:Bucket", "r", {"bucket": "xn--bucket"}, "bucket", "xn--", {"bucket": "bucket-xn"}),
    ("aws:s3/bucket:Bucket", "r", {"bucket": "192.168.1.1"}, "bucket", "IP address", {"bucket": "192-168-1-1"}),
    ("aws:s3/bucket:Bucket", "a" * 56, {}, "bucket", "at most 63", {}),
    ("aws:rds/instance:Instance", "r", {"identifier": "1db"}, "identifier", "a letter", {"identifier": "db1"}),
    ("aws:rds/instance:Instance", "r", {"identifier": "a" * 64}, "identifier", "at most 63", {"identifier": "a" * 63}),
    ("aws:rds/instance:Instance", "r", {"identifier": "x", "username": "_app"}, "username", "a letter",
     {"identifier": "x", "username": "app_user"}),
    ("aws:rds/instance:Instance", "r", {"identifier": "x", "backupWindow": "3:00-4:00"}, "backupWindow", "hh24:mi",
     {"identifier": "x", "backupWindow": "03:00-03:30"}),
    ("aws:rds/parameterGroup:ParameterGroup", "r", {"name": "pg-", "family": "postgres16"}, "name", "not ending",
     {"name": "pg-16", "family": "postgres16"}),
    ("aws:cloudwatch/logGroup:LogGroup", "r", {"name": "/appstack/dev/app web"}, "name", "matching",
     {"name": "/appstack/dev/app/web"}),
    ("aws:cloudwatch/logGroup:LogGroup", "r", {"name": "x", "retentionInDays": 10}, "retentionInDays", "one of",
     {"name": "x", "retentionInDays": 14}),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "r", {"name": "a" * 256}, "name", "at most 255", {"name": "a" * 255}),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "r", {"name": "x", "period": 45}, "period", "multiple of 60",
     {"name": "x", "period": 300}),
    ("aws:cloudwatch/dashboard:Dashboard", "r", {"dashboardName": "app.prod"}, "dashboardName", "letters, digits",
     {"dashboardName": "app-prod_1"}),
    ("aws:secretsmanager/secret:Secret", "r", {"name": "app secret"}, "name", "/_+=.@-", {"name": "app/secret"}),
    ("aws:secretsmanager/secret:Secret", "r", {"name": "app-abcdef"}, "name", "six characters", {"name": "app-key"}),
    ("aws:kms/alias:Alias", "r", {"name": "alias/aws/app"}, "name", "reserved", {"name": "alias/appstack/app"}),
    ("aws:kms/alias:Alias", "r", {"name": "appstack/app"}, "name", "'alias/'", {"name": "alias/appstack/app"}),
    ("aws:acm/certificate:Certificate", "r", {"domainName": "a" * 60 + ".example.com"}, "domainName", "at most 64",
     {"domainName": "app.example.com"}),
    ("aws:acm/certificate:Certificate", "r", {"domainName": "app_x.example.com"}, "domainName", "matching",
     {"domainName": "app-x.example.com"}),
    ("aws:ecs/service:Service", "r", {"name": "web.app"}, "name", "hyphens and underscores", {"name": "web_app-1"}),
    ("aws:ecs/taskDefinition:TaskDefinition", "r", {"family": "f", "containerDefinitions": json.dumps([{"name": "a b"}])},
     "containerDefinitions[0].name", "hyphens", {"family": "f", "containerDefinitions": json.dumps([{"name": "a-b"}])}),
    ("aws:ecs/taskDefinition:TaskDefinition", "r",
     {"family": "f", "cpu": "256", "memory": "4096", "requiresCompatibilities": ["FARGATE"]}, "memory",
     "not a Fargate size", {"family": "f", "cpu": "1024", "memory": "4096", "requiresCompatibilities": ["FARGATE"]}),
    ("aws:efs/fileSystem:FileSystem", "a" * 57, {}, "creationToken", "at most 64", {"creationToken": "a" * 64}),
    ("aws:servicediscovery/service:Service", "r", {"name": "web.-x"}, "name", "matching", {"name": "web"}),
    ("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "r", {"name": "app." + "s" * 64 + ".internal"},
     "name", "labels of at most 63", {"name": "app.prod.internal"}),
    ("aws:sns/topic:Topic", "a" * 73, {}, "name", "limit of 80", {"name": "alarms"}),
    ("aws:amp/workspace:Workspace", "r", {"alias": "a" * 101}, "alias", "at most 100", {"alias": "app-prod"}),
    ("aws:route53/record:Record", "r", {"name": "a" * 64 + ".example.com", "type": "A"}, "name", "at most 63",
     {"name": "_acme.app.example.com", "type": "CNAME"}),
    (SCHEDULE, "r", {"name": "app/nightly"}, "name", "matching", {"name": "app-prod.nightly_1"}),
    (SCHEDULE, "a" * 57, {}, "name", "at most 64", {"name": "a" * 64}),
    (SCHEDULE, "r", {"scheduleExpression": "cron(0 2 * * * *)"}, "scheduleExpression", "exactly one",
     {"scheduleExpression": "cron(0 2 * * ? *)"}),
    (SCHEDULE, "r", {"scheduleExpression": "cron(0 2 ? * ? *)"}, "scheduleExpression", "exactly one",
     {"scheduleExpression": "cron(0 2 ? * MON-FRI *)"}),
    (SCHEDULE, "r", {"scheduleExpression": "cron(0 2 ? * MON/2 *)"}, "scheduleExpression", "six fields",
     {"scheduleExpression": "cron(0/15 * * * ? *)"}),
    (SCHEDULE, "r", {"scheduleExpression": "cron(0 2 * * ?)"}, "scheduleExpression", "six fields",
     {"scheduleExpression": "rate(5 minutes)"}),
    (SCHEDULE, "r", {"scheduleExpressionTimezone": "Mars/Olympus_Mons"}, "scheduleExpressionTimezone", "IANA",
     {"scheduleExpressionTimezone": "America/Argentina/ComodRivadavia"}),
    (SCHEDULE, "r", {"target": {"retryPolicy": {"maximumEventAgeInSeconds": 30}}},
     "target.retryPolicy.maximumEventAgeInSeconds", "at least 60",
     {"target": {"retryPolicy": {"maximumEventAgeInSeconds": 86400, "maximumRetryAttempts": 185}}}),
    (SCHEDULE, "r", {"flexibleTimeWindow": {"mode": "SOMETIMES"}}, "flexibleTimeWindow.mode", "one of",
     {"flexibleTimeWindow": {"mode": "OFF"}}),
    ("aws:scheduler/scheduleGroup:ScheduleGroup", "r", {"name": "a" * 65}, "name", "at most 64", {"name": "a" * 64}),
    ("aws:cloudwatch/eventRule:EventRule", "r", {"name": "rule:x"}, "name", "matching", {"name": "app.rule-x_1"}),
    ("aws:ecs/taskDefinition:TaskDefinition", "r",
     {"family": "f", "containerDefinitions": json.dumps([{"name": "w", "healthCheck": {
         "command": ["/bin/check"], "interval": 400, "timeout": 1, "retries": 11, "startPeriod": 301}}])},
     "containerDefinitions[0].healthCheck.interval", "at most 300",
     {"family": "f", "containerDefinitions": json.dumps([{"name": "w", "healthCheck": {
         "command": ["CMD", "/bin/check"], "interval": 300, "timeout": 60, "retries": 10, "startPeriod": 300}}])}),
    ("aws:ec2/vpc:Vpc", "r", {"tags": {"aws:owner": "x"}}, "tags.aws:owner", "reserved", {"tags": {"owner": "x"}}),
    ("aws:ec2/vpc:Vpc", "r", {"tags": {"Name": "x" * 257}}, "tags.Name", "at most 256", {"tags": {"Name": "vpc"}}),
]


@pytest.mark.parametrize(("token", "name", "bad", "path", "words", "good"), CASES,
                         ids=[f"{c[0].split(':')[1]}-{c[3]}" for c in CASES])
def test_rejected_and_accepted(token, name, bad, path, words, good):
    found = [f for f in findings_for(planned(token, name, bad)) if f.path == path]
    assert found, messages(planned(token, name, bad))
    assert any(words in f.message for f in found), [f.message for f in found]
    assert all(f.source for f in found)
    accepted = planned(token, "ok", good)
    assert messages(accepted) == []


def test_secret_values_never_appear_in_findings():
    from appstack.synth import Secret

    found = findings_for(planned("aws:rds/instance:Instance", "db", {"identifier": "db", "password": Secret("a/b@c")}))
    assert {(f.path, f.message.split(" ")[0]) for f in found} == {("password", "(secret)")}
    assert len(found) == 2  # too short, and '/' and '@' are not allowed
    assert "a/b@c" not in str(found)


def test_every_ecs_health_check_limit_is_checked():
    check = {"command": ["/bin/check"], "interval": 4, "timeout": 61, "retries": 0, "startPeriod": -1}
    found = findings_for(planned("aws:ecs/taskDefinition:TaskDefinition", "r", {
        "family": "f", "containerDefinitions": json.dumps([{"name": "w", "healthCheck": check}])}))
    assert sorted(f.path.rsplit(".", 1)[1] for f in found) == ["command", "interval", "retries", "startPeriod",
                                                               "timeout"]


def test_unknown_values_are_not_checked():
    assert messages(planned(INGRESS, "r", {"description": "[unknown]", "cidrIpv4": "[unknown]"})) == []


def test_every_botocore_reference_resolves_and_every_pattern_compiles():
    # Building RULES loads each shape; a pattern Python cannot compile or a missing member raises here.
    assert len(RULES) >= 60
    assert all(rule.constraints for rules in RULES.values() for rule in rules.fields)
