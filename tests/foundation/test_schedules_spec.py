"""Schedules and singletons in the spec: cron read alike on both platforms, hostile input refused with a reason."""

from __future__ import annotations

import pytest

from appstack.plan import plan_mermaid
from appstack.spec.cron import parse

from .helpers import load, problems

# (five-field cron, EventBridge Scheduler expression, shortest gap in minutes)
ACCEPTED = [
    ("30 2 * * *", "cron(30 2 * * ? *)", 1440),
    ("*/15 * * * *", "cron(0/15 * * * ? *)", 15),
    ("5/10 * * * *", "cron(5/10 * * * ? *)", 10),
    ("0 9-17 * * 1-5", "cron(0 9-17 ? * MON-FRI *)", 60),
    ("0 9-17 * * mon-fri", "cron(0 9-17 ? * MON-FRI *)", 60),
    ("0 0 * * 0", "cron(0 0 ? * SUN *)", 1440),  # Sunday: 0 in cron, 1 on AWS, so names
    ("0 0 * * 6,0", "cron(0 0 ? * SUN,SAT *)", 1440),
    ("0 0 1,15 * *", "cron(0 0 1,15 * ? *)", 1440),
    ("0 0 */2 * *", "cron(0 0 1/2 * ? *)", 1440),
    ("0 12 * JAN-MAR,dec *", "cron(0 12 * 1-3,12 ? *)", 1440),
    ("0 0 29 2 *", "cron(0 0 29 2 ? *)", 1440),  # leap days exist on both
    ("0 */6 * * *", "cron(0 0/6 * * ? *)", 360),
    ("0 21-23 * * *", "cron(0 21-23 * * ? *)", 60),
    ("0 22,2 * * *", "cron(0 2,22 * * ? *)", 240),
    ("  0\t3  * *   * ", "cron(0 3 * * ? *)", 1440),
    ("@daily", "cron(0 0 * * ? *)", 1440),
    ("@WEEKLY", "cron(0 0 ? * SUN *)", 1440),
    ("@hourly", "cron(0 * * * ? *)", 60),
    ("@yearly", "cron(0 0 1 1 ? *)", 1440),
    ("* * * * *", "cron(* * * * ? *)", 1),
]

# (hostile cron, fragment of the reason)
REFUSED = [
    ("0 0 * * 7", "use 0 (or SUN) for Sunday"),
    ("0 22-2 * * *", "the range 22-2 wraps around, which neither platform does; write 22-23,0-2"),
    ("0 0 * * FRI-MON", "write FRI-SAT,SUN-MON"),
    ("*/7 * * * *", "*/7 restarts at 0 after 56, so one gap is 4, not 7"),
    ("0 */5 * * *", "*/5 restarts at 0 after 20, so one gap is 4, not 5"),
    ("5/7 * * * *", "so one gap is 11, not 7"),
    ("0 0 1 * 1", "sets both day-of-month and day-of-week"),
    ("0 0 */2 * MON", "sets both day-of-month and day-of-week"),
    ("0 0 30 2 *", "never runs: no chosen month has day 30"),
    ("0 0 31 4,6 *", "never runs: no chosen month has day 31"),
    ("0 0 * *", "needs five fields"),
    ("0 2 * * ? *", "needs five fields"),  # the AWS form is not the spec's
    ("0 2 ? * *", "'?' is not a value"),
    ("0 0 L * *", "'L' is not a number"),
    ("0 0 * * 1#2", "'1#2' is not a value"),
    ("0 0 15W * *", "'15W' is not a number"),
    ("60 * * * *", "60 is outside 0-59"),
    ("0 24 * * *", "24 is outside 0-23"),
    ("0 0 0 * *", "0 is outside 1-31"),
    ("0 0 * 13 *", "13 is outside 1-12"),
    ("0 0 * * FUNDAY", "'FUNDAY' is not a number or a name (SUN-SAT)"),
    ("*/0 * * * *", "a step must be at least 1"),
    ("*/60 * * * *", "a step of 60 selects one value only"),
    ("-1 * * * *", "is not a value"),
    ("1,,2 * * * *", "is not a value"),
    ("@every 5m", "unknown macro"),
    ("@reboot", "unknown macro"),
    ("", "needs five fields"),
]


@pytest.mark.parametrize(("expression", "aws", "gap"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_schedules_read_alike_on_both_platforms(expression, aws, gap):
    cron = parse(expression)
    assert cron.aws_expression() == aws
    assert cron.shortest_gap_minutes() == gap
    assert len(cron.expression.split(" ")) == 5  # what the CronJob gets: five single-spaced fields


@pytest.mark.parametrize(("expression", "reason"), REFUSED, ids=[r[0] or "empty" for r in REFUSED])
def test_hostile_schedules_are_refused_with_a_reason(expression, reason):
    with pytest.raises(ValueError) as error:
        parse(expression)
    assert reason in str(error.value)


def test_every_bad_field_is_named_at_once():
    with pytest.raises(ValueError) as error:
        parse("61 25 * * 8")
    assert str(error.value) == (
        "minute '61': 61 is outside 0-59; hour '25': 25 is outside 0-23; "
        "day-of-week '8': 8 is outside 0-6"
    )


def _report(**fields):
    return {"zmage": {"schedules": {"report": {"image": "worker", "command": ["npm", "run", "report"],
                                               "cron": "0 3 * * *", **fields}}}}


@pytest.mark.parametrize(
    ("fields", "path", "fragment"),
    [
        ({"cron": "0 0 * * 7"}, "apps.zmage.schedules.report.cron", "use 0 (or SUN) for Sunday"),
        ({"time_zone": "Mars/Olympus_Mons"}, "apps.zmage.schedules.report.time_zone", "unknown time zone"),
        ({"time_zone": "localtime"}, "apps.zmage.schedules.report.time_zone", "is not an IANA time zone"),
        ({"time_zone": "../../etc/passwd"}, "apps.zmage.schedules.report.time_zone", "is not an IANA time zone"),
        ({"time_zone": "UTC+2"}, "apps.zmage.schedules.report.time_zone", "unknown time zone"),
        ({"cron": "*/15 * * * *"}, "apps.zmage.schedules.report",
         "timeout_seconds (3600) exceeds the shortest time between two runs (900 s)"),
        ({"retries": 11}, "apps.zmage.schedules.report.retries", "less than or equal to 10"),
        ({"timeout_seconds": 30}, "apps.zmage.schedules.report.timeout_seconds", "greater than or equal to 60"),
        ({"concurrency": "replace"}, "apps.zmage.schedules.report.concurrency", "'forbid' or 'allow'"),
        ({"command": []}, "apps.zmage.schedules.report.command", "at least 1 item"),
        ({"image": "nope"}, "apps.zmage.schedules.report.image", "unknown image 'nope'"),
        ({"run_as_user": 0}, "apps.zmage.schedules.report.run_as_user", "never run as root"),
        ({"env": {"X": "${redis.nope}"}}, "apps.zmage.schedules.report.env.X", "redis.nope"),
    ],
)
def test_bad_schedules_name_their_field(fields, path, fragment):
    found = problems(_report(**fields))
    assert any(p.path == path and fragment in p.message for p in found), [(p.path, p.message) for p in found]


def test_schedule_defaults_and_an_overlapping_schedule_that_allows_overlap():
    schedule = load(_report()).apps["zmage"].schedules["report"]
    assert (schedule.time_zone, schedule.retries, schedule.timeout_seconds, schedule.start_within_seconds,
            schedule.concurrency) == ("Etc/UTC", 2, 3600, 600, "forbid")
    allowed = load(_report(cron="*/15 * * * *", concurrency="allow")).apps["zmage"].schedules["report"]
    assert allowed.cron == "*/15 * * * *"


def test_schedule_names_are_their_own():
    found = problems({"zmage": {"schedules": {"web": {"image": "web", "command": ["x"], "cron": "@daily"}},
                                "jobs": {"cleanup": {"image": "web", "command": ["x"]}}}})
    assert [(p.path, p.message) for p in found if p.path.startswith("apps.zmage.schedules")] == [
        ("apps.zmage.schedules.web",
         "a service, worker or job is named 'web' too; schedules need names of their own")]
    found = problems({"zmage": {"schedules": {"job-db-migrate": {"image": "web", "command": ["x"], "cron": "@daily"}}}})
    assert any(p.path == "apps.zmage.schedules.job-db-migrate" and "job db-migrate" in p.message for p in found)


@pytest.mark.parametrize(
    ("worker", "fragment"),
    [
        ({"singleton": True, "replicas": 2}, "a singleton runs exactly 1 replica, got replicas 2"),
        ({"singleton": True, "replicas": None, "autoscale": {"min": 1, "max": 3}},
         "a singleton never runs twice, so it cannot autoscale: remove autoscale"),
    ],
)
def test_a_singleton_runs_once_and_refuses_autoscale(worker, fragment):
    found = problems({"zmage": {"workers": {"worker": worker}}})
    assert any(p.path == "apps.zmage.workers.worker" and fragment in p.message for p in found), found


def test_a_singleton_defaults_to_one_replica_even_where_the_default_is_two():
    stack = load({"zmage": {"services": {"web": {"singleton": True, "autoscale": None}},
                            "workers": {"worker": {"singleton": True, "replicas": None}}}})
    spec = stack.apps["zmage"]
    assert (spec.services["web"].replicas, spec.services["web"].max_replicas) == (1, 1)
    assert (spec.workers["worker"].replicas, spec.workers["worker"].singleton) == (1, True)


def test_the_diagram_shows_schedules_their_bindings_and_singletons():
    stack = load({"zmage": {"schedules": {"report": {"image": "worker", "command": ["x"], "cron": "30 2 * * 1-5",
                                                     "time_zone": "Europe/Berlin", "env": {"DB": "${database.url}"}}},
                            "workers": {"worker": {"singleton": True, "replicas": None}}}})
    lines = plan_mermaid(stack).splitlines()
    assert '    zmage_schedule_report>"schedule report<br/>30 2 * * 1-5 Europe/Berlin"]' in lines
    assert "  zmage_schedule_report --> zmage_postgres" in lines
    assert "  zmage_schedule_report --> zmage_redis" in lines  # the app's shared env reaches schedules too
    assert '    zmage_worker[["worker x1 (singleton worker)"]]' in lines


def test_backup_schedules_take_the_same_cron_rules():
    found = problems({"elizabeth": {"database": {"backup": {"schedule": "0 2 * * 7"}}}},
                     kubernetes={"backups": {"schedule": "0 22-2 * * *"}})
    assert any(p.path == "apps.elizabeth.database.backup.schedule" and "use 0 (or SUN) for Sunday" in p.message
               for p in found), found
    assert any(p.path == "appstack:kubernetes.backups.schedule" and "wraps around" in p.message for p in found), found
    backup = load({"elizabeth": {"database": {"backup": {"schedule": "@daily"}}}}).apps["elizabeth"].database.backup
    assert backup.schedule == "0 0 * * *"


def test_the_plan_table_lists_when_each_schedule_runs():
    from appstack.plan import plan_table
    from appstack.synth import Synthesis

    apps = {"zmage": {"schedules": {"report": {"image": "worker", "command": ["x"], "cron": "30 2 * * 1-5",
                                               "time_zone": "Europe/Berlin", "concurrency": "allow"}}}}
    empty = Synthesis(stack="test", resources=[], outputs={}, config={})
    aws = plan_table(empty, load(apps, platform="aws", tier="prod")).splitlines()
    assert aws[aws.index("Schedules") + 1] == (
        "  zmage/report  30 2 * * 1-5 (Europe/Berlin) = cron(30 2 ? * MON-FRI *), overlap allowed, 2 retries, "
        "timeout 3600 s")
    kubernetes = plan_table(empty, load(apps)).splitlines()
    assert kubernetes[kubernetes.index("Schedules") + 1].startswith("  zmage/report  30 2 * * 1-5 (Europe/Berlin), ")
    assert "Schedules" not in plan_table(empty, load({"zmage": {}}))
