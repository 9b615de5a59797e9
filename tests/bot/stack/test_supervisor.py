"""The supervisor with real processes (tests/bot/stack/toy_service.py): start-up failures stop
start-up, a process that dies later is restarted with backoff and a per-minute limit while the
others keep serving, and stop() ends everything, a pending restart included."""
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from bot.logging_setup import Redactor
from bot.stack.supervisor import Exit, RestartPolicy, Service, StackError, Supervisor, child_env, free_port, port_in_use
from tests.bot.stack.stack_env import closed_port

TOY_SERVICE = Path(__file__).with_name("toy_service.py")
FAST = RestartPolicy(limit_per_minute=5, first_delay_s=0.05)


def toy(name: str, refuse_file: Path) -> Service:
    port = free_port()
    return Service(name=name, argv=[sys.executable, str(TOY_SERVICE), str(port), str(refuse_file)],
                   health_url=f"http://127.0.0.1:{port}/health", env=child_env(os.environ), url=f"http://127.0.0.1:{port}")


@contextmanager
def supervised(tmp_path: Path, policy: RestartPolicy, *names: str) -> Iterator[Supervisor]:
    """Toy processes started, ready and kept alive; each refuses to start while ``tmp_path/<name>.refuse`` exists."""
    supervisor = Supervisor(tmp_path / "log", Redactor([]), console=None, restart_policy=policy)
    try:
        for name in names:
            supervisor.start(toy(name, tmp_path / f"{name}.refuse"))
        supervisor.wait_ready(30)
        supervisor.keep_alive()
        yield supervisor
    finally:
        supervisor.stop()


def answers(service: Service) -> bool:
    return requests.get(service.health_url, timeout=2).ok


def wait_until(condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_port_in_use_tells_a_taken_port_from_a_free_one(listening_port):
    assert port_in_use("127.0.0.1", listening_port)
    assert not port_in_use("127.0.0.1", closed_port())


# --- the restart policy ------------------------------------------------------------------------


def test_the_backoff_doubles_with_each_recent_restart_up_to_the_cap():
    policy = RestartPolicy(limit_per_minute=10, first_delay_s=1, max_delay_s=30)
    delays = [policy.next_delay([100.0] * count, now=101.0)[0] for count in range(7)]

    assert delays == [1, 2, 4, 8, 16, 30, 30]


def test_a_process_that_stayed_up_for_a_minute_is_restarted_after_the_first_delay_again():
    policy = RestartPolicy(limit_per_minute=5)

    assert policy.next_delay([10.0, 20.0, 30.0], now=95.0) == (1.0, False)


def test_over_the_limit_the_next_restart_waits_for_the_minute_to_pass():
    policy = RestartPolicy(limit_per_minute=3, first_delay_s=1)

    delay, limited = policy.next_delay([10.0, 12.0, 16.0], now=20.0)

    assert limited
    assert delay == pytest.approx(50.0)  # the restart at 10 s leaves the window at 70 s
    assert policy.next_delay([10.0, 12.0], now=20.0) == (4.0, False)


def test_a_limit_of_zero_turns_restarts_off():
    assert not RestartPolicy(limit_per_minute=0).restarts
    assert RestartPolicy(limit_per_minute=1).restarts


@pytest.mark.parametrize("returncode, reason", [
    (3, "exited with code 3"),
    (0, "exited with code 0"),
    (-signal.SIGKILL, "was killed by SIGKILL (kill -9 or out of memory)"),
    (-signal.SIGSEGV, "was killed by SIGSEGV"),
    (-200, "was killed by signal 200"),
])
def test_an_exit_says_how_the_process_ended(returncode, reason):
    assert Exit(returncode, "last words").reason == reason


# --- start-up ----------------------------------------------------------------------------------


def test_a_process_failing_during_start_up_fails_start_up_with_its_last_line(tmp_path):
    (tmp_path / "broken.refuse").write_text("the model file is missing")
    supervisor = Supervisor(tmp_path / "log", Redactor([]), console=None, restart_policy=FAST)
    try:
        supervisor.start(toy("broken", tmp_path / "broken.refuse"))
        with pytest.raises(StackError) as error:
            supervisor.wait_ready(30)
    finally:
        supervisor.stop()

    assert str(error.value) == "broken exited with code 3 during start-up: cannot start: the model file is missing"
    assert supervisor.service("broken").restarts == []  # start-up failures are not retried


# --- after start-up: restarts --------------------------------------------------------------------


def test_a_killed_process_is_restarted_while_the_other_keeps_serving(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="effortless.stack")
    with supervised(tmp_path, FAST, "first", "second") as supervisor:
        first, second = supervisor.service("first"), supervisor.service("second")

        killed = supervisor.kill("first")
        assert answers(second)
        supervisor.wait_healthy("first", 20)

        assert first.running.pid != killed
        assert answers(first) and answers(second)
        assert second.restarts == [] and len(first.restarts) == 1
    assert [exit.reason for exit in first.exits] == ["was killed by SIGKILL (kill -9 or out of memory)"]
    log = caplog.text
    assert "first was killed by SIGKILL (kill -9 or out of memory); its last line: serving on port" in log
    assert "Restarting it in 0.05 s" in log
    assert "first is back: healthy" in log
    assert (tmp_path / "log" / "first.log").read_text().count("serving on port") == 2  # both runs' output


def test_a_process_that_keeps_failing_is_restarted_at_most_limit_times_a_minute(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="effortless.stack")
    policy = RestartPolicy(limit_per_minute=2, first_delay_s=0.05, window_s=2.0)
    with supervised(tmp_path, policy, "flaky") as supervisor:
        flaky = supervisor.service("flaky")
        (tmp_path / "flaky.refuse").write_text("database is down")
        supervisor.kill("flaky")
        wait_until(lambda: len(flaky.restarts) >= 4)
        (tmp_path / "flaky.refuse").unlink()
        supervisor.wait_healthy("flaky", 20)

    starts = flaky.restarts
    assert all(later - earlier >= policy.window_s for earlier, later in zip(starts, starts[2:], strict=False))
    assert "flaky exited with code 3; its last line: cannot start: database is down" in caplog.text
    assert "Restart limit reached (2 in the last minute, RESTART_LIMIT_PER_MINUTE): restarting it in" in caplog.text
    assert "flaky is back: healthy" in caplog.text


def test_stop_cancels_a_pending_restart(tmp_path):
    with supervised(tmp_path, RestartPolicy(limit_per_minute=5, first_delay_s=30), "slow") as supervisor:
        slow = supervisor.service("slow")
        killed = supervisor.kill("slow")
        began = time.monotonic()
        supervisor.stop()
        stopped_after = time.monotonic() - began

    assert stopped_after < 30  # it did not wait for the restart it had scheduled
    assert slow.running.pid == killed and slow.restarts == []


def test_with_restarts_off_a_death_is_reported_and_not_restarted(tmp_path):
    with supervised(tmp_path, RestartPolicy(limit_per_minute=0), "once", "other") as supervisor:
        killed = supervisor.kill("once")
        wait_until(lambda: supervisor.given_up is not None)

        assert supervisor.given_up is supervisor.service("once")
        assert supervisor.service("once").running.pid == killed
        assert answers(supervisor.service("other"))
