"""The policy pack runs offline over every shipped stack; a mandatory violation fails the command."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import pytest

from appstack.policy_check import run_policies
from appstack.stackconfig import load_stack
from appstack.synth import stack_config, synthesize
from tests.conftest import synth_stack

SHIPPED = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in Path(".").glob("Pulumi.*.yaml"))


def _stack(name):
    config, _ = stack_config(name)
    return load_stack(name, config.get, all_keys=sorted(config))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_stack_has_no_mandatory_violation(name, capsys):
    assert run_policies(synth_stack(name), _stack(name)) == 0
    assert "0 mandatory" in capsys.readouterr().out


def test_a_privileged_container_fails_the_gate(capsys):
    def program():
        k8s.apps.v1.Deployment(
            "bad",
            spec={
                "selector": {"matchLabels": {"app": "bad"}},
                "template": {
                    "metadata": {"labels": {"app": "bad"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx:1.27", "securityContext": {"privileged": True}}]},
                },
            },
            opts=pulumi.ResourceOptions(),
        )

    synthesis = synthesize("dev", config={}, program=program)
    assert run_policies(synthesis, _stack("dev")) == 1
    out = capsys.readouterr().out
    assert "MANDATORY" in out and "kubernetes:apps/v1:Deployment bad" in out


def test_a_pulumi_secret_in_a_plain_env_value_fails_the_gate(capsys):
    import pulumi_aws as aws

    token = pulumi.Output.secret("tok3n")

    def program():
        container = {"name": "c", "image": "nginx:1.27", "securityContext": {"allowPrivilegeEscalation": False}}
        k8s.apps.v1.Deployment(
            "leaky",
            spec={
                "selector": {"matchLabels": {"app": "leaky"}},
                "template": {
                    "metadata": {"labels": {"app": "leaky"}},
                    "spec": {
                        "containers": [
                            {
                                **container,
                                "env": [
                                    {"name": "UPSTREAM", "value": token},
                                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
                                ],
                            }
                        ]
                    },
                },
            },
        )
        k8s.core.v1.ConfigMap("leaky-config", data={"UPSTREAM": token, "LOG_LEVEL": "info"})
        aws.ecs.TaskDefinition(
            "leaky-task",
            family="leaky",
            container_definitions=pulumi.Output.json_dumps(
                [{"name": "c", "image": "nginx:1.27", "environment": [{"name": "UPSTREAM", "value": token}]}]
            ),
        )

    synthesis = synthesize("dev", config={}, program=program)
    assert run_policies(synthesis, _stack("dev")) == 1
    out = capsys.readouterr().out
    # The real mock runtime hands the policy pack the secret flag of each nested value.
    assert (
        "[k8s-no-plaintext-secret-env] kubernetes:apps/v1:Deployment leaky: container c: env UPSTREAM takes its value from a Pulumi secret."
        in out
    )
    assert (
        "[k8s-no-plaintext-secret-env] kubernetes:core/v1:ConfigMap leaky-config: ConfigMap leaky-config: data key UPSTREAM holds a Pulumi secret."
        in out
    )
    assert (
        "[ecs-no-plaintext-secrets] aws:ecs/taskDefinition:TaskDefinition leaky-task: containerDefinitions holds a Pulumi secret, which the task definition stores in plaintext."
        in out
    )
    assert "DB_PASSWORD" not in out and "LOG_LEVEL" not in out
