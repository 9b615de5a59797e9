"""bot/benchmarks/processes.py: the CPU time and memory the benchmarks report count a process's
children (uvicorn's workers, Rasa's launcher), a process that is gone counts nothing, and the
percentile is the nearest rank."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bot.benchmarks.processes import latency_summary, percentile, process_tree, tree_cpu_seconds, tree_rss_kb

GONE_PID = 2**22 + 12345  # above Linux's pid_max


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


@pytest.fixture
def child_burning_half_a_cpu_second_then_holding_memory():
    child = subprocess.Popen([sys.executable, "-c", "import time\nheld = bytearray(64 * 2**20)\n"
                              "end = time.process_time() + 0.5\nwhile time.process_time() < end: pass\ninput()"],
                             stdin=subprocess.PIPE, text=True)
    yield child
    child.communicate("\n", timeout=10)


def test_the_cpu_time_of_a_tree_includes_its_children(child_burning_half_a_cpu_second_then_holding_memory):
    deadline = time.monotonic() + 60  # half a CPU second, on a machine that may be busy
    while tree_cpu_seconds(os.getpid()) - _own_cpu_s() < 0.4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tree_cpu_seconds(os.getpid()) - _own_cpu_s() >= 0.4


def test_the_memory_of_a_tree_includes_its_children(child_burning_half_a_cpu_second_then_holding_memory):
    child = child_burning_half_a_cpu_second_then_holding_memory
    assert child.pid in process_tree(os.getpid())
    deadline = time.monotonic() + 60
    while tree_rss_kb(child.pid) < 64 * 1024 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tree_rss_kb(os.getpid()) >= tree_rss_kb(child.pid) >= 64 * 1024


def test_a_process_that_is_gone_counts_nothing():
    assert process_tree(GONE_PID) == []
    assert tree_cpu_seconds(GONE_PID) == 0.0
    assert tree_rss_kb(GONE_PID) == 0


@pytest.mark.parametrize("values, share, expected", [
    ([5.0, 1.0, 3.0, 2.0, 4.0], 0.5, 3.0),
    (list(range(1, 101)), 0.95, 95),
    ([1.0, 2.0, 3.0, 4.0], 0.5, 2.0),
    ([1.0, 2.0, 3.0], 1.0, 3.0),
    ([7.0], 0.95, 7.0),
    ([], 0.95, 0.0),
])
def test_the_percentile_is_the_nearest_rank(values, share, expected):
    assert percentile(values, share) == expected


def test_a_latency_summary_gives_count_nearest_rank_p50_p95_and_max_rounded():
    durations = [float(ms) + 0.123 for ms in range(100, 0, -1)]
    assert latency_summary(durations) == {"count": 100, "p50": 50.1, "p95": 95.1, "max": 100.1}
    assert latency_summary(durations, digits=2)["p95"] == 95.12
    assert latency_summary([]) == {"count": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
