"""Fargate task sizing: rounding up to the cheapest valid pair, and impossible requests."""

from __future__ import annotations

import pytest
from appstack.components.aws.compute.fargate_sizes import VALID_PAIRS, TaskSize, cpu_units, fargate_size

from appstack.errors import ConfigError


@pytest.mark.parametrize(
    ("cpu", "memory", "expected"),
    [
        (256, 512, TaskSize(256, 512)),
        (1024, 2048, TaskSize(1024, 2048)),  # Elizabeth backend: the guide's 1024/2048
        (2048, 2048, TaskSize(2048, 4096)),  # 2 vCPU needs at least 4 GiB
        (256, 4096, TaskSize(512, 4096)),  # memory pushes the CPU up, to the cheaper of the options
        (1024, 2176, TaskSize(1024, 3072)),  # +128 MiB sidecar rounds to the next GiB
        (100, 100, TaskSize(256, 512)),
        (4096, 30721, TaskSize(8192, 32768)),  # beyond 30 GiB only 8 vCPU fits, in 4 GiB steps
        (16384, 122880, TaskSize(16384, 122880)),
    ],
)
def test_rounds_up_to_the_cheapest_valid_pair(cpu, memory, expected):
    size = fargate_size(cpu, memory)
    assert size == expected
    assert size.memory in VALID_PAIRS[size.cpu]


@pytest.mark.parametrize(("cpu", "memory"), [(16385, 1024), (1024, 122881)])
def test_an_impossible_request_is_a_config_error_naming_the_path(cpu, memory):
    with pytest.raises(ConfigError) as error:
        fargate_size(cpu, memory, path="apps.x.services.web.resources")
    assert "apps.x.services.web.resources" in str(error.value)
    assert "largest Fargate task" in str(error.value)


def test_valid_pairs_match_the_fargate_table():
    assert VALID_PAIRS[256] == (512, 1024, 2048)
    assert VALID_PAIRS[512] == (1024, 2048, 3072, 4096)
    assert VALID_PAIRS[8192][:3] == (16384, 20480, 24576)
    assert VALID_PAIRS[16384][-1] == 122880 and VALID_PAIRS[16384][1] - VALID_PAIRS[16384][0] == 8192


def test_millicores_to_cpu_units():
    assert [cpu_units(m) for m in (250, 500, 1000, 2000, 50)] == [256, 512, 1024, 2048, 52]
