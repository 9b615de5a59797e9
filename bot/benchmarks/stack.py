"""Benchmark of the whole stack: start-up, training, memory, reply latency.

``python -m bot bench-stack [--messages 200] [--action-calls 300] [--cold] [--train] [--conversations N] [--json OUT]`` prints one
JSON object:

- ``warm_start_s``: ``python -m bot run`` to "ready" with venvs and a model already there;
- ``cold_start_s`` (``--cold``): ``make run`` in a fresh clone (creates both venvs, trains, migrates, starts;
  pip's download cache is whatever the machine has, Rasa's training cache is empty);
- ``training_s`` (``--train``): ``rasa train`` of the current data with an empty training cache;
- ``rss_mb``: resident memory of each process (with its children) once ready and after the messages;
- ``latency_ms``: count, p50, p95 and max of ``--messages`` simple messages through the REST channel, one at a time;
- ``action_call_ms``: Rasa's own request for the KB action replayed to the action server ``--action-calls``
  times for a short and a long question, a new conversation each time (:mod:`bot.benchmarks.action_call`);
- ``handoff_ms``: during a live handoff, customer message → visible in the agent's ticket, and agent
  reply → in the customer's conversation (``--handoff-rounds`` of each);
- ``conversations`` (``--conversations N``): ``python -m bot run`` as a user starts it, then N conversations
  through the REST channel by ``--clients`` parallel customers (hello, a KB question in one of the four
  languages, "yes" or "no" to "did that help", every third one a CES answer) and one help-centre search per
  language; resident memory of every process (supervisor, Rasa, action server, helpdesk) and their total,
  once ready and after the conversations. Given alone: the other figures are then not measured.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bot.benchmarks.action_call import measure_action_calls
from bot.benchmarks.load import online_agent
from bot.benchmarks.processes import latency_summary, tree_rss_kb
from bot.settings import PROJECT_ROOT, load_settings
from bot.stack.assembly import start_stack
from bot.stack.model import TRAINING_DATA_DIRS
from bot.stack.supervisor import engine_bin, free_port

READY_MARKER = "Effortless is running"


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
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """Stop a started ``bot run`` as Ctrl-C does (its whole process group), killing it after 60 s."""
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
    agent = online_agent(helpdesk, email, "benchmark password", timeout_s=10)
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

    return {"rounds": rounds, "customer_to_agent": latency_summary(to_agent),
            "agent_to_customer": latency_summary(to_customer)}


def measure_running(work: Path, messages: int, handoff_rounds: int, action_calls: int) -> dict[str, object]:
    env = _isolated_env(work / "running")
    with start_stack(env) as stack:
        rss_ready = {s.name: round(tree_rss_kb(s.running.pid) / 1024) for s in stack.supervisor.services}
        latencies = []
        with requests.Session() as http:
            for _ in range(messages):
                started = time.perf_counter()
                response = http.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                                     json={"sender": f"bench-{uuid.uuid4().hex[:6]}", "message": "hello"}, timeout=30)
                response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
        rss_after = {s.name: round(tree_rss_kb(s.running.pid) / 1024) for s in stack.supervisor.services}
        action_call = measure_action_calls(stack.settings, action_calls)
        handoff = measure_handoff(stack, env, handoff_rounds)
    return {
        "action_call_ms": action_call,
        "handoff_ms": handoff,
        "rss_mb": {"ready": rss_ready, "after_messages": rss_after},
        "latency_ms": latency_summary(latencies),
    }


CONVERSATION_SCRIPTS = {
    # language: (greeting, KB questions, "yes", "no", a CES answer)
    "en": ("hello", ["how do I get a refund", "how do i switch to yearly billing", "can I pay with bitcoin",
                     "where is my order"], "yes", "no", "6"),
    "cs": ("ahoj", ["chci zrušit předplatné", "jak dlouho trvá doručení", "jak vrátit zboží"], "ano", "ne", "5"),
    "he": ("שלום", ["מה הסטטוס של ההחזר על הנעליים שהחזרתי", "איך משנים כתובת משלוח", "אני רוצה לבטל את המנוי"],
           "כן", "לא", "6"),
    "ar": ("مرحبا", ["ما حالة استرداد المبلغ للحذاء الذي أعدته", "كيف أغير عنوان الشحن", "كيف أدفع"], "نعم", "لا", "7"),
}
"""What the customers of ``--conversations`` say; questions from the KB's own languages and topics."""

STACK_PROCESSES = {"rasa": "bot.engine.serve", "actions": "bot action-server", "helpdesk": "uvicorn"}
"""Each child of ``bot run`` by a part of its command line."""


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def stack_rss_mb(supervisor_pid: int) -> dict[str, int]:
    """Resident memory of ``bot run`` itself and of each process it started (with its own children), in MB."""
    status = Path(f"/proc/{supervisor_pid}/status").read_text()
    own_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    rss = {"supervisor": round(own_kb / 1024)}
    for child in _children(supervisor_pid):
        command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        name = next((name for name, marker in STACK_PROCESSES.items() if marker in command), f"pid {child}")
        rss[name] = round(tree_rss_kb(child) / 1024)
    rss["total"] = sum(rss.values())
    return rss


def converse(rasa_url: str, index: int) -> int:
    """One customer's conversation (script chosen by ``index``); returns how many requests failed."""
    language = list(CONVERSATION_SCRIPTS)[index % len(CONVERSATION_SCRIPTS)]
    greeting, questions, yes, no, effort = CONVERSATION_SCRIPTS[language]
    turns = [greeting, questions[(index // len(CONVERSATION_SCRIPTS)) % len(questions)], yes if index % 2 else no]
    if index % 3 == 0:
        turns.append(effort)
    sender = f"bench-{index}-{uuid.uuid4().hex[:6]}"
    failures = 0
    with requests.Session() as http:
        for text in turns:
            try:
                http.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                          timeout=120).raise_for_status()
            except requests.RequestException:
                failures += 1
    return failures


def search_help_centre(helpdesk_url: str) -> int:
    """One help-centre search per language, so the memory counted includes what the help centre uses."""
    failures = 0
    for language, (_, questions, *_) in CONVERSATION_SCRIPTS.items():
        response = requests.get(f"{helpdesk_url}/help/{language}/search", params={"q": questions[0]}, timeout=120)
        failures += not response.ok
    return failures


def _start_ready(command: list[str], env: dict[str, str], timeout_s: float) -> subprocess.Popen[str]:
    """Start ``command`` and return once it printed the ready banner (its output then goes on being drained)."""
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    assert process.stdout is not None  # stdout=PIPE
    started, tail = time.monotonic(), list[str]()
    for line in process.stdout:
        if READY_MARKER in line:
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process
        tail = (tail + [line.rstrip()])[-5:]
        if time.monotonic() - started > timeout_s:
            break
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError(f"{' '.join(command)} did not become ready; its last lines:\n" + "\n".join(tail))


def _warm_caches(var_dir: Path) -> None:
    """Start with this checkout's KB caches (embeddings, built indexes), as a restarted ``make run`` does."""
    cached = PROJECT_ROOT / "var" / "kb"
    if cached.is_dir():
        shutil.copytree(cached, var_dir / "kb", ignore=shutil.ignore_patterns("reload-stamp"))


def measure_conversations(work: Path, conversations: int, clients: int) -> dict[str, object]:
    """The whole stack's memory before and after ``conversations`` conversations (see the module's docstring)."""
    var_dir = work / "conversations"
    _warm_caches(var_dir)
    env = {"STARTUP_TIMEOUT_S": "900", **_isolated_env(var_dir)}  # a busy machine: minutes to fit a KB index
    settings = load_settings(env)
    process = _start_ready([sys.executable, "-m", "bot", "run"], env, timeout_s=900)
    try:
        ready = stack_rss_mb(process.pid)
        started = time.monotonic()
        failures = search_help_centre(settings.helpdesk_url)
        with ThreadPoolExecutor(max_workers=clients) as pool:
            failures += sum(pool.map(lambda index: converse(settings.rasa_url, index), range(conversations)))
        seconds = time.monotonic() - started
        after = stack_rss_mb(process.pid)
    finally:
        _stop(process)
    return {"conversations": conversations, "clients": clients, "seconds": round(seconds, 1),
            "failed_requests": failures, "rss_mb": {"ready": ready, "after_conversations": after}}


def run_benchmark(messages: int, handoff_rounds: int, cold: bool = False, train: bool = False,
                  conversations: int = 0, clients: int = 4, action_calls: int = 300) -> dict[str, object]:
    """Every figure above as a JSON-ready dict; ``cold``, ``train`` and ``conversations`` add the slow ones."""
    results: dict[str, object] = {"cpus": os.cpu_count(), "load_average": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="effortless-bench-") as tmp:
        work = Path(tmp)
        if conversations:  # the memory benchmark on its own: the figures below would only lengthen it
            results["conversations"] = measure_conversations(work, conversations, clients)
            return results
        if cold:
            results["cold_start_s"] = round(measure_cold(work), 1)
        if train:
            results["training_s"] = round(measure_training(work), 1)
        results["warm_start_s"] = round(measure_warm(work), 1)
        results.update(measure_running(work, messages, handoff_rounds, action_calls))
    return results
