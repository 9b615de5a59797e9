"""Scale-out benchmark: the saturated message rate through nginx with 1, 2, ... replicas.

``python -m bot bench-scale [--replicas 1,2] [--minutes M] [--clients N]`` starts a temporary
PostgreSQL (durable, as in production) and Redis, then for each replica count N: N full stacks on the
production profile (each Rasa + action server + helpdesk, a fresh database per N), Debian's nginx in
front with the reference configuration (deploy/nginx/effortless.conf), and ``--clients`` closed-loop
REST clients (no think time) that ask KB questions from the shipped KB through nginx, a new
conversation every few messages. After a warm-up it measures, per replica count:

- ``messages_per_s``: answered messages per second (the saturated rate), ``p50_ms``/``p95_ms``, ``errors``;
- ``cpu_s_per_message``: CPU seconds (user + system, from /proc) per answered message, per kind of
  process summed over the replicas (``rasa``, ``actions``, ``helpdesk``), for ``nginx``, ``postgres``
  and ``redis``, and for the load generator itself, which shares the machine;
- ``cpu_busy_share``: all that CPU time over (cores × wall time): near 1.0 means the machine, not
  the replica count, is the limit.

Then ``scaling``: the rate with the most replicas over the rate with one, beside the issue's goal
(≥ 1.6 for 2). Figures on a shared machine are noisy: read them with the load average printed beside.
PostgreSQL, Redis and nginx are the tests' throwaway servers (tests/helpers/), so run it from the
repository with them installed (``scripts/install_services.sh``).
"""
from __future__ import annotations

import importlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bot.benchmarks.load import kb_questions
from bot.benchmarks.processes import percentile, tree_cpu_seconds
from bot.settings import PROJECT_ROOT
from bot.stack.assembly import RunningStack, start_stack
from bot.stack.supervisor import StackError, free_port

SCALING_GOAL = 1.6  # rate with 2 replicas / rate with 1, at least (the target; printed, never asserted)
MESSAGES_PER_CONVERSATION = 5
WARM_UP_S = 20.0
PROCESS_KINDS = ("rasa", "actions", "helpdesk")


@dataclass
class ClosedLoop:
    """``clients`` threads, each sending its next KB question as soon as the previous one is answered."""

    url: str
    token: str
    questions: list[str]
    clients: int
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counting: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)

    def _client(self, number: int) -> None:
        session = requests.Session()
        sent = 0
        sender = ""
        while not self.stopping.is_set():
            if sent % MESSAGES_PER_CONVERSATION == 0:
                sender = f"rest:scale-{uuid.uuid4().hex[:12]}"
            question = self.questions[(number * 7919 + sent) % len(self.questions)]
            sent += 1
            started = time.monotonic()
            try:
                response = session.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": question},
                                        headers={"Authorization": f"Bearer {self.token}"}, timeout=120)
                ok = response.ok and bool(response.json())
                failure = "" if ok else f"{response.status_code}: {response.text[:200]}"
            except (requests.RequestException, ValueError) as exc:
                failure = f"{type(exc).__name__}: {exc}"
            if self.counting.is_set() and not self.stopping.is_set():
                if failure:
                    self.errors.append(failure)
                else:
                    self.latencies_s.append(time.monotonic() - started)

    @contextmanager
    def running(self) -> Iterator[ClosedLoop]:
        threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(self.clients)]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stopping.set()
            for thread in threads:
                thread.join(timeout=130)


def _test_servers():
    """The tests' throwaway PostgreSQL/Redis and nginx helpers. tests/ is not part of the installed,
    type-checked package, so they are imported by name, from the repository."""
    sys.path.insert(0, str(PROJECT_ROOT))
    return importlib.import_module("tests.helpers.postgres"), importlib.import_module("tests.helpers.nginx")


def _replica_env(index: int, shared: dict[str, str], var_root: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "TRACKER_STORE_URL", "RASA_URL", "HELPDESK_URL", "LOCK_STORE_URL")}
    env.update(shared)
    env.update({"EFFORTLESS_VAR_DIR": str(var_root / f"replica{index}"), "RASA_PORT": str(free_port()),
                "ACTION_PORT": str(free_port()), "HELPDESK_PORT": str(free_port())})
    return env


def _own_child_named(name: str) -> int:
    """The pid of this process's child whose command is ``name`` (the throwaway redis-server)."""
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            if Path(f"/proc/{child}/comm").read_text().strip() == name:
                return int(child)
    raise StackError(f"no child process named {name}")


def _processes(stacks: Sequence[RunningStack], nginx_pid: int, postgres_data_dir: Path) -> dict[str, list[int]]:
    """Every process that serves the load, by kind; PostgreSQL's postmaster has its backends as children."""
    pids = {kind: [stack.supervisor.service(kind).running.pid for stack in stacks] for kind in PROCESS_KINDS}
    postmaster = int((postgres_data_dir / "postmaster.pid").read_text().split()[0])
    return {**pids, "nginx": [nginx_pid], "postgres": [postmaster], "redis": [_own_child_named("redis-server")]}


def _cpu_by_kind(processes: dict[str, list[int]]) -> dict[str, float]:
    cpu = {kind: sum(tree_cpu_seconds(pid) for pid in pids) for kind, pids in processes.items()}
    times = os.times()
    cpu["load_generator"] = times.user + times.system
    return cpu


def measure(replicas: int, postgres_cluster, redis_url: str, nginx_helpers, questions: list[str], clients: int,
            seconds: float) -> dict[str, Any]:
    """Start ``replicas`` stacks and nginx, load them for ``seconds`` after a warm-up, stop them."""
    rest_token = uuid.uuid4().hex
    database_url = postgres_cluster.create_database()
    shared = {
        "EFFORTLESS_PROFILE": "production", "DATABASE_URL": database_url, "TRACKER_STORE_URL": database_url,
        "LOCK_STORE_URL": redis_url, "RASA_TOKEN": uuid.uuid4().hex, "HELPDESK_SERVICE_TOKEN": uuid.uuid4().hex,
        "SESSION_SECRET": uuid.uuid4().hex, "WEB_CHAT_SECRET": uuid.uuid4().hex, "REST_CHANNEL_TOKEN": rest_token,
        "BUSINESS_HOURS": "Mon-Sun 00:00-24:00", "LOG_LEVEL": "WARNING", "TRUSTED_PROXIES": "127.0.0.1",
        # `make run`'s KB index cache, shared by every replica as in a deployment: built once, not per replica.
        "KB_INDEX_CACHE_DIR": str(PROJECT_ROOT / "var" / "kb" / "index"),
    }
    with tempfile.TemporaryDirectory(prefix="effortless-scale-") as var_root, ExitStack() as running:
        stacks = [running.enter_context(start_stack(_replica_env(index, shared, Path(var_root)), timeout_s=600))
                  for index in range(replicas)]
        nginx = running.enter_context(nginx_helpers.TemporaryNginx(
            _nginx_binary(nginx_helpers), [s.rasa_url for s in stacks], [s.helpdesk_url for s in stacks]))
        processes = _processes(stacks, nginx.pid, postgres_cluster.data_dir)
        load = ClosedLoop(nginx.url, rest_token, questions, clients)
        with load.running():
            time.sleep(WARM_UP_S)
            cpu_before, started, load_before = _cpu_by_kind(processes), time.monotonic(), os.getloadavg()
            load.counting.set()
            time.sleep(seconds)
            answered, errors = len(load.latencies_s), len(load.errors)
            elapsed, cpu_after = time.monotonic() - started, _cpu_by_kind(processes)
            latencies = list(load.latencies_s)
            error_samples = sorted(set(load.errors))[:5]
    cpu_used = {kind: cpu_after[kind] - cpu_before[kind] for kind in cpu_before}
    return {
        "replicas": replicas, "clients": clients, "seconds": round(elapsed, 1),
        "messages": answered, "errors": errors, "error_samples": error_samples,
        "messages_per_s": round(answered / elapsed, 2),
        "p50_ms": round(1000 * percentile(latencies, 0.5)), "p95_ms": round(1000 * percentile(latencies, 0.95)),
        "mean_ms": round(1000 * statistics.fmean(latencies)) if latencies else None,
        "cpu_s_per_message": {kind: round(used / answered, 4) if answered else None for kind, used in cpu_used.items()},
        "cpu_busy_share": round(sum(cpu_used.values()) / ((os.cpu_count() or 1) * elapsed), 2),
        "load_average_1_5_15_min_at_start": [round(value, 2) for value in load_before],
        "load_average_1_5_15_min_at_end": [round(value, 2) for value in os.getloadavg()],
    }


def _nginx_binary(nginx_helpers) -> str:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        raise StackError(f"nginx not found; {nginx_helpers.__name__} needs it: sudo scripts/install_services.sh")
    return binary


def run_benchmark(replica_counts: Sequence[int], minutes: float, clients: int,
                  kb_dir: Path = PROJECT_ROOT / "data" / "kb") -> dict[str, Any]:
    """One :func:`measure` per replica count, in order, on one PostgreSQL and Redis; then the ratios."""
    postgres, nginx_helpers = _test_servers()
    bin_dir, redis_binary = postgres.postgres_bin_dir(), shutil.which("redis-server")
    if bin_dir is None or redis_binary is None:
        raise StackError("PostgreSQL or redis-server not found: sudo scripts/install_services.sh")
    questions = [question for listed in kb_questions(kb_dir).values() for question in listed]
    cluster = postgres.TemporaryPostgres(bin_dir, durable=True).start()
    redis = postgres.TemporaryRedis(redis_binary)
    try:
        runs = [measure(count, cluster, redis.url, nginx_helpers, questions, clients, minutes * 60)
                for count in replica_counts]
    finally:
        redis.stop()
        cluster.stop()
    base = runs[0]
    report: dict[str, Any] = {"cpus": os.cpu_count(), "runs": runs}
    if len(runs) > 1 and base["messages_per_s"]:
        report["scaling"] = {f"{run['replicas']}_over_{base['replicas']}": round(
            run["messages_per_s"] / base["messages_per_s"], 2) for run in runs[1:]}
        report["goal"] = {"2_over_1_at_least": SCALING_GOAL}
    return report
