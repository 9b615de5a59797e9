"""``bench-stack``'s arguments: a count that would measure nothing is refused before any stack starts."""
import pytest

from bot.benchmarks import cli


@pytest.mark.parametrize("argv", [
    ["--action-calls", "0"],
    ["--messages", "0"],
    ["--handoff-rounds", "-1"],
    ["--clients", "0"],
    ["--conversations", "-5"],
])
def test_counts_that_measure_nothing_are_refused_with_a_reason(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.stack_main(argv)

    assert exited.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
