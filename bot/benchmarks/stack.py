"""Benchmark of the whole stack: start-up, training, memory, reply latency.

``python -m bot bench-stack [--messages 200] [--cold] [--train] [--json OUT]`` prints one JSON object:

- ``warm_start_s``: ``python -m bot run`` to "ready" with venvs and a model already there;
- ``cold_start_s`` (``--cold``): ``make run`` in a fresh clone (creates both venvs, trains, migrates, starts;
  pip's download cache is whatever the machine has, Rasa's training cache is empty);
- ``training_s`` (``--train``): ``rasa train`` of the current data with an empty training cache;
- ``rss_mb``: resident memory of each process (with its children) once ready and after the messages;
- ``latency_ms``: p50/p95 of ``--messages`` simple messages through the REST channel, one at a time;
- ``handoff_ms``: during a live handoff, customer message → visible in the agent's ticket, and agent
  reply → in the customer's conversation (``--handoff-rounds`` of each).
"""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bot.settings import PROJECT_ROOT
from bot.stack.assembly import start_stack
from bot.stack.model import TRAINING_DATA_DIRS
from bot.stack.supervisor import engine_bin, free_port

READY_MARKER = "Effortless is running"


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
        pending.extend(int(child) for child in children)
    return total


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _isolated_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "TRACKER_STORE_URL", "RASA_URL", "HELPDESK_URL", "EFFORTLESS_PROFILE"):
        env.pop(name, None)
    env.update({
        "EFFORTLESS_VAR_DIR": str(var_dir), "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()),
        "HELPDESK_PORT": str(free_port()), "LOG_LEVEL": "WARNING",
    })
    return env


def time_until_ready(command: list[str], cwd: Path, env: dict[str, str], timeout_s: float) -> float:
    """Seconds from starting ``command`` until it prints the ready banner; then stops it with Ctrl-C."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    assert process.stdout is not None  # stdout=PIPE
    try:
        for line in process.stdout:
            if READY_MARKER in line:
                return time.monotonic() - started
            if time.monotonic() - started > timeout_s:
                break
        raise RuntimeError(f"{' '.join(command)} did not become ready (exit {process.poll()})")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def measure_warm(work: Path) -> float:
    return time_until_ready([sys.executable, "-m", "bot", "run"], PROJECT_ROOT, _isolated_env(work / "warm"), 600)


def _without_training_cache(env: dict[str, str], work: Path, name: str) -> dict[str, str]:
    """Rasa reuses trained components from ~/.rasa/cache; an empty cache makes training real."""
    return {**env, "RASA_CACHE_DIRECTORY": str(work / f"{name}-rasa-cache")}


def measure_cold(work: Path) -> float:
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True)
    shared = PROJECT_ROOT.parent / "shared"
    if shared.exists():
        (work / "shared").symlink_to(shared)
    env = _without_training_cache(_isolated_env(work / "cold"), work, "cold")
    return time_until_ready(["make", "run"], clone, env, 3600)


def measure_training(work: Path) -> float:
    started = time.monotonic()
    subprocess.run(
        [str(engine_bin("rasa")), "train", "--config", "config.yml", "--domain", "domain.yml", "--data",
         *TRAINING_DATA_DIRS, "--out", str(work / "models"), "--quiet"],
        cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=_without_training_cache(dict(os.environ), work, "train"),
    )
    return time.monotonic() - started


def _wait(predicate, timeout_s: float = 15.0) -> float:
    """Poll ``predicate`` every 10 ms; return the seconds it took to become true."""
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout_s:
            raise RuntimeError("timed out waiting for a handoff message")
        time.sleep(0.01)
    return time.perf_counter() - started


def measure_handoff(stack, env: dict[str, str], rounds: int) -> dict[str, object]:
    """Relay latency both ways through the real processes (REST customer, Bearer-token agent)."""
    helpdesk, rasa = stack.helpdesk_url, stack.rasa_url
    email = f"bench-{uuid.uuid4().hex[:6]}@example.com"
    subprocess.run([sys.executable, "-m", "bot", "create-agent", "--email", email, "--name", "Bench", "--role",
                    "agent", "--password-stdin"], input="benchmark password\n", text=True, env=env, check=True,
                   capture_output=True)
    token = requests.post(f"{helpdesk}/api/auth/token", json={"email": email, "password": "benchmark password"},
                          timeout=10).json()["token"]
    agent = requests.Session()
    agent.headers["Authorization"] = f"Bearer {token}"
    agent.put(f"{helpdesk}/api/agents/me/presence", json={"presence": "online"}, timeout=10).raise_for_status()
    sender = f"rest:bench-{uuid.uuid4().hex[:8]}"  # the REST channel keeps its own prefix: also the ticket's id
    for text in ("I want to talk to a person", "Sam Taylor", "sam.taylor@example.com", "benchmarking the handoff"):
        requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
    ticket = next(t for t in agent.get(f"{helpdesk}/api/queue", timeout=10).json() if t["conversation_id"] == sender)
    agent.post(f"{helpdesk}/api/tickets/{ticket['id']}/claim", timeout=10).raise_for_status()

    def ticket_has(text: str) -> bool:
        messages = agent.get(f"{helpdesk}/api/tickets/{ticket['id']}", timeout=10).json()["messages"]
        return any(m["body"] == text for m in messages)

    def conversation_has(text: str) -> bool:
        tracker = requests.get(f"{rasa}/conversations/{sender}/tracker", params={"token": stack.settings.rasa_token},
                               timeout=10).json()
        return any(e.get("event") == "bot" and text in (e.get("text") or json.dumps(e.get("data") or {}))
                   for e in tracker["events"])

    to_agent, to_customer = [], []
    for index in range(rounds):
        customer_text = f"customer line {index} {uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": customer_text}, timeout=30)
        to_agent.append((time.perf_counter() - started + _wait(lambda text=customer_text: ticket_has(text))) * 1000)
        agent_text = f"agent line {index} {uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        agent.post(f"{helpdesk}/api/tickets/{ticket['id']}/messages", json={"text": agent_text}, timeout=30)
        to_customer.append((time.perf_counter() - started + _wait(lambda text=agent_text: conversation_has(text))) * 1000)

    def summary(values: list[float]) -> dict[str, float]:
        return {"p50": round(statistics.median(values), 1), "p95": round(_percentile(values, 0.95), 1)}

    return {"rounds": rounds, "customer_to_agent": summary(to_agent), "agent_to_customer": summary(to_customer)}


def measure_running(work: Path, messages: int, handoff_rounds: int) -> dict[str, object]:
    env = _isolated_env(work / "running")
    with start_stack(env) as stack:
        rss_ready = {s.name: round(_rss_kb(s.running.pid) / 1024) for s in stack.supervisor.services}
        latencies = []
        with requests.Session() as http:
            for _ in range(messages):
                started = time.perf_counter()
                response = http.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                                     json={"sender": f"bench-{uuid.uuid4().hex[:6]}", "message": "hello"}, timeout=30)
                response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
        rss_after = {s.name: round(_rss_kb(s.running.pid) / 1024) for s in stack.supervisor.services}
        handoff = measure_handoff(stack, env, handoff_rounds)
    return {
        "handoff_ms": handoff,
        "rss_mb": {"ready": rss_ready, "after_messages": rss_after},
        "latency_ms": {"messages": messages, "p50": round(statistics.median(latencies), 1),
                       "p95": round(_percentile(latencies, 0.95), 1), "max": round(max(latencies), 1)},
    }


def run_benchmark(messages: int, handoff_rounds: int, cold: bool = False, train: bool = False) -> dict[str, object]:
    """Every figure above as a JSON-ready dict; ``cold`` and ``train`` add the slow ones."""
    results: dict[str, object] = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="effortless-bench-") as tmp:
        work = Path(tmp)
        if cold:
            results["cold_start_s"] = round(measure_cold(work), 1)
        if train:
            results["training_s"] = round(measure_training(work), 1)
        results["warm_start_s"] = round(measure_warm(work), 1)
        results.update(measure_running(work, messages, handoff_rounds))
    return results
