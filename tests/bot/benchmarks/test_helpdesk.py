"""bench-helpdesk: a bad --think gets a usage message before anything starts, and the CPU it reports
counts a process's children (uvicorn's workers)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bot.benchmarks.cli import helpdesk_main
from bot.benchmarks.helpdesk import _tree_cpu_s


@pytest.mark.parametrize("think", ["soon", "6-2", "-1-3", "2-x"])
def test_a_think_range_that_is_not_min_max_seconds_is_refused(think, capsys):
    with pytest.raises(SystemExit) as exited:
        helpdesk_main(["--think", think])
    assert exited.value.code == 2
    assert "--think" in capsys.readouterr().err


def test_cpu_seconds_include_the_children_of_the_process():
    burner = subprocess.Popen([sys.executable, "-c", "import time\nend = time.process_time() + 0.5\n"
                               "while time.process_time() < end: pass\ninput()"],
                              stdin=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60  # half a CPU second, on a machine that may be busy
        while _tree_cpu_s(os.getpid()) - _own_cpu_s() < 0.4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _tree_cpu_s(os.getpid()) - _own_cpu_s() >= 0.4
    finally:
        burner.communicate("\n", timeout=10)


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system
