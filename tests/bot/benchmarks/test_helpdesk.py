"""bench-helpdesk: a bad --think gets a usage message before anything starts."""

from __future__ import annotations

import pytest

from bot.benchmarks.cli import helpdesk_main


@pytest.mark.parametrize("think", ["soon", "6-2", "-1-3", "2-x"])
def test_a_think_range_that_is_not_min_max_seconds_is_refused(think, capsys):
    with pytest.raises(SystemExit) as exited:
        helpdesk_main(["--think", think])
    assert exited.value.code == 2
    assert "--think" in capsys.readouterr().err
