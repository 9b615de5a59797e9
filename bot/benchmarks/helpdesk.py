"""``python -m bot bench-helpdesk``: claim and reply latency with many agents working at once.

Starts the real helpdesk (uvicorn, ``--workers`` processes) on a free port against the given database,
fills the queue, and lets ``--agents`` threads work it over HTTP at the same time: claim the next ticket,
reply, resolve, until the queue is empty. With ``--think 2-6`` each agent first waits a random 2 to 6
seconds before every action, as people do; without it they work flat out (the saturated rate). Agent
replies are really delivered, to a minimal Rasa stand-in that accepts everything (over kept-alive
connections, as Rasa's). Prints one JSON object with p50/p95 latencies, the CPU seconds the helpdesk
and this client (agents and stand-in) used, and the deliveries and connections the stand-in saw, and
checks that no ticket was claimed twice.

    python -m bot bench-helpdesk                                   # temporary SQLite file
    python -m bot bench-helpdesk --think 2-6 --tickets 300         # agents who think between actions
    python -m bot bench-helpdesk --database-url postgresql+psycopg2://user@127.0.0.1:5432/empty_db
    python -m bot bench-helpdesk --history 100000                  # a helpdesk with a year of closed tickets

``--history N`` first adds N closed tickets spread over the past year (each with its customer, its transcript
and its resolution, by the same agents), since what a request costs can grow with the tables: the figures
then include ``reads_ms``, the p50/p95 of reads whose cost could grow with the history (an agent's own
tickets, the availability the bot asks for before offering a person, and an agent's customer search for one
customer's e-mail and for the first letter typed).

The database must be empty (the benchmark migrates it and fills it). The command line is in
bot/benchmarks/cli.py; :func:`run_benchmark` does the work.
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.benchmarks.processes import latency_summary, tree_cpu_seconds
from bot.ces.store import ticket_resolution_key
from bot.db import make_engine, make_session_factory, migrate, safe_url, session_scope, utcnow
from bot.helpdesk import accounts, tickets
from bot.helpdesk.schemas import TicketCreate
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.models import Agent, Customer, CustomerIdentity, Resolution, Ticket, TicketMessage
from bot.settings import Settings, load_settings
from bot.stack.assembly import KEEP_ALIVE, run_helpdesk
from bot.stack.supervisor import free_port

STARTUP_TIMEOUT_S = 60
HISTORY_SPAN = timedelta(days=365)
HISTORY_CHUNK = 5000  # history tickets inserted per statement batch
HANDLING = timedelta(minutes=20)  # each history ticket, from creation to resolution
READS = 30  # each read of ``reads_ms``, one after the other
LINES_PER_TICKET = 3  # delivered to Rasa: the agent joined, the reply, the resolution
DELIVERY_WAIT_S = 60.0


def run_benchmark(
    database_url: str | None, agents: int, ticket_count: int, workers: int, think_s: tuple[float, float] | None = None,
    history: int = 0,
) -> dict:
    """Fill the queue of an empty database (default: a temporary SQLite file), after ``history`` closed
    tickets, let ``agents`` threads work it against a real helpdesk with ``workers`` processes, each
    waiting a random time within ``think_s`` before every action when given; the figures as a JSON-ready dict.

    Raises ValueError when the database is not empty.
    """
    with tempfile.TemporaryDirectory(prefix="effortless-bench-") as workdir:
        rasa = AcceptingRasa()
        database_url = database_url or f"sqlite:///{Path(workdir) / 'bench.db'}"
        env = {
            "DATABASE_URL": database_url,
            "EFFORTLESS_VAR_DIR": str(Path(workdir) / "var"),
            "RASA_URL": rasa.url,
            "RASA_TOKEN": secrets.token_urlsafe(16),
            "HELPDESK_SERVICE_TOKEN": secrets.token_urlsafe(16),
            "BUSINESS_HOURS": "24/7",
            "LOG_LEVEL": "WARNING",
        }
        settings = load_settings(env)
        try:
            tokens = _prepare(settings, agents, ticket_count, history)
        except ValueError:
            rasa.stop()
            raise
        log_dir = Path(workdir) / "log"
        uvicorn_options = ("--log-level", "warning", "--no-access-log", "--workers", str(workers), *KEEP_ALIVE)
        try:
            with run_helpdesk({**os.environ, **env}, free_port(), log_dir, *uvicorn_options, timeout_s=STARTUP_TIMEOUT_S) as server:
                server_pid = server.running.pid
                server_cpu_before, client_cpu_before = tree_cpu_seconds(server_pid), time.process_time()
                result = _run_agents(server.url, tokens, think_s, delivered=lambda: rasa.count)
                cpu_s = {
                    "helpdesk": round(tree_cpu_seconds(server_pid) - server_cpu_before, 1),
                    "client": round(time.process_time() - client_cpu_before, 1),
                }
                reads = _time_reads(server.url, tokens[0], env["HELPDESK_SERVICE_TOKEN"]) if history else None
        finally:
            rasa.stop()
        if result["errors"]:
            log_tail = (log_dir / "helpdesk.log").read_text()[-3000:]
            print(f"bench-helpdesk: the helpdesk's log ends with:\n{log_tail}", file=sys.stderr)
    return {
        "database": make_url(database_url).get_backend_name(),
        "agents": agents,
        "tickets": ticket_count,
        "workers": workers,
        "think_s": list(think_s) if think_s else None,
        "history": history,
        **result,
        **({"reads_ms": reads} if reads is not None else {}),
        "rasa_deliveries": rasa.count,
        "rasa_connections": rasa.connections,
        # CPU seconds during the agents' run: the helpdesk's processes, and this process (agents + Rasa stand-in).
        "cpu_s": cpu_s,
        "cpu_ms_per_ticket": {name: round(1000 * seconds / max(1, result["claims"]), 1) for name, seconds in cpu_s.items()},
    }


def _prepare(settings: Settings, agents: int, ticket_count: int, history: int = 0) -> list[str]:
    """Migrate, then add agents (with session tokens), ``history`` closed tickets and a full queue; the
    database must be empty."""
    migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        with session_scope(factory) as session:
            existing = session.scalar(select(func.count()).select_from(Ticket))
            if existing:
                raise ValueError(
                    f"{safe_url(settings.database_url)} already has {existing} tickets; give an empty database"
                )
            password_hash = accounts.hash_password(secrets.token_urlsafe(16))
            # With a history, online as agents at work are, so the availability read computes the wait
            # estimate; without one, offline as in every run before --history existed.
            session.add_all(
                Agent(email=f"bench-agent-{n}@example.com", name=f"Bench agent {n}", password_hash=password_hash,
                      presence="online" if history else "offline", last_seen_at=utcnow() if history else None)
                for n in range(agents)
            )
            session.commit()
            team = list(session.scalars(select(Agent)))
            tokens = [accounts.open_session(session, agent=agent)[0] for agent in team]
            _add_history(session, [agent.id for agent in team], history)
            policy = HelpdeskPolicy.from_settings(settings)
            for n in range(ticket_count):
                tickets.create_ticket(session, data=_escalation(n), policy=policy)
        return tokens
    finally:
        engine.dispose()


def _add_history(session: Session, agent_ids: list[int], count: int) -> None:
    """``count`` closed tickets, oldest first over the past :data:`HISTORY_SPAN`, each claimed, answered and
    resolved by one of ``agent_ids`` within :data:`HANDLING`: their three transcript lines and their resolution.
    Bulk inserts, so a year of tickets takes seconds, not the hours the API would."""
    now = utcnow()
    for start in range(count, 0, -HISTORY_CHUNK):
        # (conversation, created, agent), oldest first: ``age`` in (count + 1)ths of the span before now.
        batch = [(f"bench-history-{age}", now - HISTORY_SPAN * age / (count + 1), agent_ids[age % len(agent_ids)])
                 for age in range(start, max(start - HISTORY_CHUNK, 0), -1)]
        customer_ids = session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
                                       [_history_customer(conversation, when) for conversation, when, _ in batch]).all()
        session.execute(insert(CustomerIdentity), [
            {"customer_id": customer_id, "kind": "web", "value": conversation, "proof": "channel", "created_at": when}
            for customer_id, (conversation, when, _agent_id) in zip(customer_ids, batch, strict=True)
        ])
        ticket_ids = session.scalars(insert(Ticket).returning(Ticket.id, sort_by_parameter_order=True),
                                     [_closed_ticket(*ticket, customer_id=customer_id)
                                      for ticket, customer_id in zip(batch, customer_ids, strict=True)]).all()
        created = list(zip(ticket_ids, batch, strict=True))
        session.execute(update(Ticket), [{"id": ticket_id, "reference": tickets.reference_for(ticket_id)}
                                         for ticket_id in ticket_ids])
        session.execute(insert(TicketMessage), [line for ticket_id, (_conversation, when, agent_id) in created
                                                for line in _closed_transcript(ticket_id, when, agent_id)])
        session.execute(insert(Resolution), [
            {"resolution_key": ticket_resolution_key(ticket_id, 1), "conversation_id": conversation,
             "resolved_by": "agent", "ticket_id": ticket_id, "agent_id": agent_id, "channel": "socketio",
             "language": "en", "created_at": when + HANDLING}
            for ticket_id, (conversation, when, agent_id) in created
        ])
        session.commit()


def _history_customer(conversation_id: str, created: datetime) -> dict:
    """The customer of one history ticket, known by name, e-mail and the web session of its conversation."""
    number = conversation_id.removeprefix("bench-history-")
    return {"name": f"History Customer {number}", "email": f"history{number}@example.com", "language": "en",
            "created_at": created, "updated_at": created + HANDLING, "last_seen_at": created + HANDLING}


def _closed_ticket(conversation_id: str, created: datetime, agent_id: int, *, customer_id: int) -> dict:
    return {
        "idempotency_key": conversation_id, "conversation_id": conversation_id, "channel": "socketio", "language": "en",
        "subject": "I cannot log in", "description": "", "reason": "kb_missed_twice", "priority": "normal",
        "priority_rank": 2, "status": "closed", "backend": "helpdesk", "reopen_count": 0, "assignee_id": agent_id,
        "kb_attempts": [], "customer_id": customer_id, "created_at": created, "updated_at": created + HANDLING,
        "assigned_at": created + timedelta(minutes=2), "first_reply_at": created + timedelta(minutes=5),
        "resolved_at": created + HANDLING, "closed_at": created + HANDLING,
    }


def _closed_transcript(ticket_id: int, created: datetime, agent_id: int) -> list[dict]:
    line = {"ticket_id": ticket_id, "delivered": True, "delivery_attempts": 1}
    return [
        {**line, "author_type": "customer", "agent_id": None, "body": "I cannot log in", "created_at": created},
        {**line, "author_type": "agent", "agent_id": agent_id, "body": "Here is what to do: ...",
         "created_at": created + timedelta(minutes=5)},
        {**line, "author_type": "system", "agent_id": agent_id, "body": "Resolved", "created_at": created + HANDLING},
    ]


def _time_reads(base_url: str, agent_token: str, service_token: str) -> dict[str, dict[str, float]]:
    """p50/p95 of the reads whose cost could grow with the history, each :data:`READS` times in a row."""
    reads = {
        "my_tickets": ("/api/tickets?mine=true", agent_token),
        "availability": ("/api/internal/availability", service_token),
        # An agent's customer search: one customer's e-mail (rare), and the first letter typed (common).
        "customer_search_rare": ("/api/customers?query=history4321@", agent_token),
        "customer_search_common": ("/api/customers?query=h", agent_token),
    }
    timings: dict[str, dict[str, float]] = {}
    with requests.Session() as http:
        for name, (path, token) in reads.items():
            elapsed = []
            for _ in range(READS):
                started = time.perf_counter()
                http.get(base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=60).raise_for_status()
                elapsed.append((time.perf_counter() - started) * 1000)
            timings[name] = latency_summary(elapsed)
    return timings


def _escalation(n: int) -> TicketCreate:
    return TicketCreate(
        idempotency_key=f"bench-{n}",
        conversation_id=f"bench-conversation-{n}",
        customer_name="Bench Customer",
        customer_email=f"customer{n}@example.com",
        subject=f"Benchmark ticket {n}",
        reason="frustration" if n % 5 == 0 else "kb_missed_twice",
        transcript=[
            {"author": "customer", "text": "I cannot log in"},
            {"author": "bot", "text": "Try resetting your password."},
            {"author": "customer", "text": "That did not work"},
        ],
    )


def _run_agents(base_url: str, tokens: list[str], think_s: tuple[float, float] | None,
                delivered: Callable[[], int]) -> dict:
    """Every agent claims, replies and resolves until the queue is empty; all start together, and think
    for a random time within ``think_s`` (seconds) before each action when given. The clock stops when
    the last ticket's lines reached Rasa too (``delivered`` counts them), since the helpdesk sends them
    after its responses."""
    latencies: dict[str, list[float]] = {"claim": [], "reply": [], "resolve": []}
    claimed: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(tokens))

    def timed(http: requests.Session, kind: str, path: str, **kwargs) -> requests.Response | None:
        if think_s:
            time.sleep(random.uniform(*think_s))
        started = time.perf_counter()
        try:
            response = http.post(base_url + path, timeout=60, **kwargs)
        except requests.RequestException as exc:
            with lock:
                errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            return None
        elapsed_ms = (time.perf_counter() - started) * 1000
        with lock:
            latencies[kind].append(elapsed_ms)
            if response.status_code >= 300 and response.status_code != 204:
                errors.append(f"{kind}: HTTP {response.status_code} {response.text[:200]}")
        return response

    def agent(token: str) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {token}"
            barrier.wait()
            while True:
                response = timed(http, "claim", "/api/tickets/claim-next")
                if response is None or response.status_code != 200:
                    return
                ticket_id = response.json()["id"]
                with lock:
                    claimed.append(ticket_id)
                timed(http, "reply", f"/api/tickets/{ticket_id}/messages", json={"text": "Here is what to do: ..."})
                timed(http, "resolve", f"/api/tickets/{ticket_id}/resolve")

    started = time.perf_counter()
    threads = [threading.Thread(target=agent, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    agents_done = time.perf_counter()
    deadline = agents_done + DELIVERY_WAIT_S
    while delivered() < LINES_PER_TICKET * len(claimed) and time.perf_counter() < deadline:
        time.sleep(0.02)
    wall_s = time.perf_counter() - started
    # The final claim of each agent finds the queue empty (204); those count as claim latency too.
    return {
        "claims": len(claimed),
        "claimed_twice": len(claimed) - len(set(claimed)),
        "errors": len(errors),
        "first_errors": errors[:5],
        "wall_s": round(wall_s, 2),
        # From the last agent's last response to the last line reaching Rasa.
        "delivery_lag_s": round(wall_s - (agents_done - started), 2),
        "undelivered": max(0, LINES_PER_TICKET * len(claimed) - delivered()),
        "tickets_per_s": round(len(claimed) / wall_s, 1),
        **{f"{kind}_ms": latency_summary(values) for kind, values in latencies.items()},
    }


# What Rasa answers when the bot showed the line: the triggered intent, then the bot's message.
_ANSWERED = b'{"tracker": {"events": [{"event": "user"}, {"event": "bot"}]}}'


class AcceptingRasa:
    """Stands in for Rasa's trigger_intent: accepts every delivery and counts it, and the connections
    they came on. It keeps connections alive (HTTP/1.1) until they idle for ``idle_close_s``, as Rasa's Sanic
    does, so the helpdesk's connection reuse counts here as it would against Rasa."""

    def __init__(self, idle_close_s: float = 5.0):
        rasa = self
        self.count = 0
        self._peers: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = idle_close_s  # a connection idle this long is closed, as Sanic's keep-alive timeout does

            def do_POST(self):  # http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with rasa._lock:
                    rasa.count += 1
                    rasa._peers.add(self.client_address)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(_ANSWERED)))
                self.end_headers()
                self.wfile.write(_ANSWERED)

            def log_message(self, *_):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def connections(self) -> int:
        """How many connections the deliveries came on."""
        with self._lock:
            return len(self._peers)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
