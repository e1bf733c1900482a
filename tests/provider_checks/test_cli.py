"""`appstack plan` fails with exit 3 on provider findings and prints each one."""

from __future__ import annotations

from appstack.cli import EXIT_PROVIDER_FINDINGS, _parser, _provider_checks
from appstack.synth import Synthesis

from .helpers import planned

RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def test_findings_exit_3_and_go_to_stderr(capsys):
    synthesis = Synthesis("prod", [planned(RULE, "web-from-tasks", {"description": "the app's tasks"})], {}, {})
    assert _provider_checks(synthesis) == EXIT_PROVIDER_FINDINGS == 3
    err = capsys.readouterr().err
    assert err.startswith("Provider checks for stack 'prod': 1 finding")
    assert f"{RULE} web-from-tasks description: \"the app's tasks\" must be letters" in err


def test_a_clean_plan_exits_0(capsys):
    synthesis = Synthesis("prod", [planned(RULE, "web-from-tasks", {"description": "the app tasks"})], {}, {})
    assert _provider_checks(synthesis) == 0
    assert capsys.readouterr().err == ""


def test_checks_run_unless_no_check():
    assert _parser().parse_args(["plan", "dev"]).no_check is False
    assert _parser().parse_args(["plan", "dev", "--no-check"]).no_check is True
