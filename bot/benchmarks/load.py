"""``python -m bot bench-load``: a load test in Locust, the tool Rasa's own docs use for load tests.

Locust runs headless in its own process (``python -m locust``, gevent: kept out of ours) on the
scenarios of :mod:`bot.benchmarks.load_scenarios`, and writes its CSV and HTML report to ``--out``;
this module starts a stack when no URLs are given, runs Locust, and sums its CSV up.

Modes:

- ``conversations``: people chatting, with think times between messages. Web-chat customers
  (socket.io, like the widget) ask a KB question from the shipped KB in one of four languages,
  answer "did that help", and some ask for a person: an agent bot (helpdesk API, Bearer token)
  claims, replies and resolves; the customer sees the reply in the same chat, then rates the
  effort (CES). REST customers ask a KB question and answer "did that help".
- ``static-vs-kb``: the issue's measure. Closed-loop REST clients with no think time; phase 1
  sends "hello" only, phase 2 a KB question only, with the same users for the same time; for
  each ``--users`` count, the KB/static ratios of p95 and of the rate. A KB question the bot takes
  to a person (a ticket opened) is a step of its own, so the p95 ratio compares KB answers with
  canned replies; the rate counts every question. ``--rounds N`` repeats both phases N times,
  alternating, and gives each ratio's median and range: a machine that drifts between phases
  moves one round, not the figure.

Each step is its own Locust request name (:data:`STEPS`); a bot reply that does not come within
the reply timeout is a failure with that reason. :func:`run_load` drives any deployment (e.g.
nginx in front of replicas); :func:`run_bench` starts a stack of its own first.
"""
from __future__ import annotations

import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import PROJECT_ROOT

if TYPE_CHECKING:
    import requests

SCENARIOS_FILE = Path(__file__).with_name("load_scenarios.py")
CONFIG_ENV = "EFFORTLESS_LOAD_SCENARIO"
"""How the runner hands :class:`ScenarioConfig` to the Locust process (JSON)."""

CONVERSATIONS, STATIC_VS_KB = "conversations", "static-vs-kb"
MODES = (CONVERSATIONS, STATIC_VS_KB)

# Locust request types: what a row of the report is, so the rates can be summed per kind.
MESSAGE = "message"  # a customer's message, timed until the bot's answer to it
AGENT = "agent"  # an agent bot's helpdesk API call
DELIVERY = "delivery"  # an agent's reply, from the agent's request until it is in the customer's chat
CONVERSATION = "conversation"  # a whole conversation, first message to last answer (think times included)

KB_QUESTION_TO_PERSON = "kb_question_to_person"
STEPS = {
    "web_connect": "the web chat's socket.io connection and session request until session_confirm",
    "kb_answer": "a KB question until the answer (web chat: its first message)",
    "guide_steps": "a guide's 'show all steps' until the steps are shown (only when the answer is a guide)",
    "did_it_help": "'yes, that helped' until the bot's acknowledgement",
    "escalate": "'I want a person' until the bot asks the first question of the escalation form",
    "escalation_form": "each answer to the escalation form until the next question or the ticket's confirmation",
    "agent_login": "the agent bot's log-in (once per agent bot)",
    "agent_online": "the agent bot setting itself online (once per agent bot)",
    "agent_claim": "the agent bot's claim-next that got a ticket (an empty queue is polled again, untimed)",
    "agent_reply": "the agent bot's reply (POST .../messages)",
    "agent_resolve": "the agent bot's resolve",
    "agent_reply_seen": "the agent's reply, from sending it until the customer's chat shows it",
    "ces": "the effort score (1-7) until the bot asks for a comment",
    "ces_comment": "the comment until the bot's thanks",
    "static_hello": "'hello' over REST until the answer (static-vs-kb, phase 1)",
    "kb_question": "a KB question over REST until the bot's answer (static-vs-kb, phase 2)",
    KB_QUESTION_TO_PERSON: "a KB question the bot took to a person, until the ticket's confirmation (static-vs-kb, phase 2)",
    "web_conversation": "a whole web-chat conversation, think times included",
    "rest_conversation": "a whole REST conversation, think times included",
}
CONVERSATION_USERS = ("WebChatCustomer", "RestCustomer", "AgentBot")
STATIC_USERS, KB_USERS = ("StaticClient",), ("KbClient",)
LANGUAGES = ("en", "he", "ar", "cs")

# The goals for static-vs-kb (printed beside the measured ratios, never asserted).
P95_RATIO_GOAL = 1.3  # KB p95 / static p95 at one client, at most
RATE_RATIO_GOAL = 0.8  # KB rate / static rate at 20-50 clients, at least


@dataclass(frozen=True)
class ScenarioConfig:
    """What the Locust process needs to know; everything else it finds in the deployment itself."""

    rasa_url: str
    helpdesk_url: str = ""
    rest_token: str = ""
    agent_email: str = ""
    agent_password: str = ""
    think_time_s: tuple[float, float] = (2.0, 5.0)
    agent_think_time_s: tuple[float, float] = (2.0, 6.0)
    reply_timeout_s: float = 30.0
    agent_wait_timeout_s: float = 180.0
    escalation_share: float = 0.25
    agents: int = 1
    kb_dir: str = str(PROJECT_ROOT / "data" / "kb")
    summary_file: str = ""
    """Where the Locust process writes its final figures (JSON) when it quits."""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ScenarioConfig:
        values = json.loads(text)
        values["think_time_s"] = tuple(values["think_time_s"])
        values["agent_think_time_s"] = tuple(values["agent_think_time_s"])
        return cls(**values)


LOCUSTFILE_EXCEPTION = "(exception in the locustfile)"
"""The step name of an exception Locust caught in a user's code rather than a failed step."""
OBJECT_ADDRESS = re.compile(r" at 0x[0-9a-f]+")
REASON_MAX_CHARS = 160


def failure_reason(exc: Exception) -> str:
    """A reason that groups alike failures in Locust's report: no object addresses, no endless
    library messages."""
    return f"{type(exc).__name__}: {OBJECT_ADDRESS.sub('', str(exc))[:REASON_MAX_CHARS]}"


# --- questions from the shipped KB ---------------------------------------------------------------


def kb_questions(kb_dir: Path, languages: Sequence[str] = LANGUAGES) -> dict[str, list[str]]:
    """The example questions the KB's articles list (their ``questions`` field), per language."""
    from bot.kb.loader import load_articles

    questions: dict[str, list[str]] = {language: [] for language in languages}
    for article in load_articles(kb_dir):
        if article.language in questions:
            questions[article.language].extend(article.questions)
    missing = [language for language, listed in questions.items() if not listed]
    if missing:
        raise ValueError(f"{kb_dir} lists no example questions in {', '.join(missing)}")
    return questions


def sample_question(questions: Mapping[str, Sequence[str]], rng: random.Random) -> tuple[str, str]:
    """A ``(language, question)``: a language chosen evenly, then one of its questions, so each
    language gets a quarter of the load whatever its article count."""
    language = rng.choice(sorted(questions))
    return language, rng.choice(questions[language])


# --- Locust's CSV, summed up ---------------------------------------------------------------------


@dataclass(frozen=True)
class StepFigures:
    """One row of Locust's ``*_stats.csv``: a step's count, failures, percentiles (ms) and rate."""

    name: str
    kind: str
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    per_second: float


@dataclass(frozen=True)
class Failure:
    """One row of Locust's ``*_failures.csv``: which step failed, why, how often."""

    step: str
    reason: str
    occurrences: int


@dataclass(frozen=True)
class PhaseSummary:
    """One Locust run: ``label`` names it (``conversations``, ``static@1``, ``kb@30``; ``kb@30#2`` in a second round)."""

    label: str
    users: int
    seconds: int
    steps: dict[str, StepFigures]
    failures: list[Failure]
    csv_prefix: str
    html_report: str

    @property
    def errors(self) -> int:
        """Failed steps, and exceptions raised in the locustfile itself (a bug there is an error too)."""
        exceptions = sum(failure.occurrences for failure in self.failures if failure.step == LOCUSTFILE_EXCEPTION)
        return sum(step.failures for step in self.steps.values()) + exceptions

    @property
    def messages_per_s(self) -> float:
        return round(sum(step.per_second for step in self.steps.values() if step.kind == MESSAGE), 2)

    @property
    def conversations_per_s(self) -> float:
        return round(sum(step.per_second for step in self.steps.values() if step.kind == CONVERSATION), 3)

    def to_dict(self) -> dict[str, object]:
        return {
            "label": self.label, "users": self.users, "seconds": self.seconds, "errors": self.errors,
            "messages_per_s": self.messages_per_s, "conversations_per_s": self.conversations_per_s,
            "steps": {name: {key: value for key, value in asdict(step).items() if key != "name"}
                      for name, step in self.steps.items()},
            "failures": [asdict(failure) for failure in self.failures],
            "csv": f"{self.csv_prefix}_stats.csv", "html": self.html_report,
        }


@dataclass
class LoadSummary:
    """Every phase of one ``bench-load`` run, and for static-vs-kb the KB/static ratios per user count."""

    mode: str
    phases: list[PhaseSummary]
    out_dir: str
    load_average: tuple[float, float, float] = field(default_factory=lambda: os.getloadavg())

    @property
    def errors(self) -> int:
        return sum(phase.errors for phase in self.phases)

    def phase(self, label: str) -> PhaseSummary:
        return next(phase for phase in self.phases if phase.label == label)

    def ratios(self) -> dict[int, dict[str, object]]:
        """Per user count: KB answers' p95 / static p95 and every KB question's rate / static rate
        (static-vs-kb only). With several rounds, each ratio is the median of the rounds', which
        are listed in ``rounds``."""
        rounds: dict[int, list[dict[str, float | None]]] = {}
        for phase in self.phases:
            if phase.label.startswith("static@"):
                kb = self.phase(phase.label.replace("static@", "kb@", 1))
                rounds.setdefault(phase.users, []).append(_round_ratios(phase, kb))
        ratios: dict[int, dict[str, object]] = {}
        for users, measured in rounds.items():
            ratios[users] = {key: _median([each[key] for each in measured]) for key in ("p95", "rate")}
            if len(measured) > 1:
                ratios[users]["rounds"] = measured
        return ratios

    def to_dict(self) -> dict[str, object]:
        report: dict[str, object] = {
            "mode": self.mode, "errors": self.errors, "out": self.out_dir,
            "load_average_1_5_15_min": [round(value, 2) for value in self.load_average], "cpus": os.cpu_count(),
            "phases": [phase.to_dict() for phase in self.phases],
        }
        if self.mode == STATIC_VS_KB:
            report["kb_over_static"] = {str(users): ratio for users, ratio in self.ratios().items()}
            report["goals"] = {"p95_ratio_at_1_user_at_most": P95_RATIO_GOAL, "rate_ratio_at_20_50_users_at_least": RATE_RATIO_GOAL}
        return report


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 2) if denominator else None


def _round_ratios(static: PhaseSummary, kb: PhaseSummary) -> dict[str, float | None]:
    """One round's ratios: the p95 of the questions the bot answered, the rate of all of them."""
    hello, answered = static.steps.get("static_hello"), kb.steps.get("kb_question")
    to_person = kb.steps.get(KB_QUESTION_TO_PERSON)
    questions_per_s = sum(step.per_second for step in (answered, to_person) if step is not None)
    if hello is None:
        return {"p95": None, "rate": None}
    return {"p95": _ratio(answered.p95_ms, hello.p95_ms) if answered else None,
            "rate": _ratio(questions_per_s, hello.per_second) if questions_per_s else None}


def _median(values: list[float | None]) -> float | None:
    """The median of the rounds' figures; None when a round has none."""
    if not values or any(value is None for value in values):
        return None
    ordered = sorted(value for value in values if value is not None)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else round((ordered[middle - 1] + ordered[middle]) / 2, 2)


def read_summary(path: Path) -> tuple[dict[str, StepFigures], list[Failure]]:
    """The steps and failures of one Locust run, from the final figures the locustfile writes when
    Locust quits (:func:`bot.benchmarks.load_scenarios.write_summary`). Locust's own CSV is
    rewritten once a second while the run goes on, so its last second may be missing there.

    Rates are over the whole run (first request to last), so the steps' rates add up.
    """
    figures = json.loads(path.read_text(encoding="utf-8"))
    duration_s = figures["duration_s"]
    steps = {
        step["name"]: StepFigures(
            name=step["name"], kind=step["kind"], requests=step["requests"], failures=step["failures"],
            p50_ms=step["p50_ms"], p95_ms=step["p95_ms"], p99_ms=step["p99_ms"],
            per_second=round(step["requests"] / duration_s, 3) if duration_s > 0 else 0.0,
        )
        for step in figures["steps"]
    }
    return steps, [Failure(**failure) for failure in figures["failures"] + figures["exceptions"]]


# --- running Locust ------------------------------------------------------------------------------


class LoadTestError(RuntimeError):
    """Locust could not run (not an error count: those are in the summary)."""


def run_locust(config: ScenarioConfig, user_classes: Sequence[str], users: int, spawn_rate: float, seconds: int,
               out_dir: Path, label: str) -> PhaseSummary:
    """One headless Locust run of ``user_classes``; its CSV, HTML report and log go to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / label.replace("@", "-")
    html, log_path, summary_path = Path(f"{prefix}.html"), Path(f"{prefix}.log"), Path(f"{prefix}_summary.json")
    summary_path.unlink(missing_ok=True)
    command = [
        sys.executable, "-m", "locust", "-f", str(SCENARIOS_FILE), "--headless", "--only-summary",
        "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
        "--stop-timeout", "5", "--csv", str(prefix), "--html", str(html), "--loglevel", "WARNING",
        *user_classes,
    ]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), CONFIG_ENV: replace(config, summary_file=str(summary_path)).to_json()}
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                           timeout=seconds + 120, check=False)
        except subprocess.TimeoutExpired:
            raise LoadTestError(f"Locust did not stop within {seconds + 120} s; see {log_path}") from None
    if not summary_path.exists():
        raise LoadTestError(f"Locust wrote no figures; its log {log_path} ends with:\n{log_path.read_text()[-2000:]}")
    steps, failures = read_summary(summary_path)
    return PhaseSummary(label=label, users=users, seconds=seconds, steps=steps, failures=failures,
                        csv_prefix=str(prefix), html_report=str(html))


def agent_count(customers: int) -> int:
    """Agent bots for a conversations run: one per 20 customers (at least one)."""
    return max(1, customers // 20)


def run_load(rasa_url: str, helpdesk_url: str, users: int | Sequence[int], spawn_rate: float, seconds: int,
             mode: str = CONVERSATIONS, out_dir: Path | None = None, rounds: int = 1, **options: object) -> LoadSummary:
    """Load an existing deployment (e.g. nginx in front of replicas) and sum the figures up.

    ``users`` is the number of customers (conversations mode: plus :func:`agent_count` agent bots,
    which log in with ``agent_email``/``agent_password``); static-vs-kb takes several counts and
    runs both phases at each, ``rounds`` times, alternating. ``options`` are :class:`ScenarioConfig` fields (``rest_token``,
    ``think_time_s``, ``reply_timeout_s``, ``escalation_share``, ``kb_dir``, ...).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    counts = [users] if isinstance(users, int) else list(users)
    if not counts or min(counts) < 1:
        raise ValueError("users must be at least 1")
    if rounds < 1 or (rounds > 1 and mode != STATIC_VS_KB):
        raise ValueError("rounds must be at least 1, and more than one only in the static-vs-kb mode")
    config = ScenarioConfig(rasa_url=rasa_url.rstrip("/"), helpdesk_url=helpdesk_url.rstrip("/"), **options)  # type: ignore[arg-type]
    kb_questions(Path(config.kb_dir))  # a KB without questions fails here, not in every Locust user
    out = Path(out_dir or tempfile.mkdtemp(prefix="effortless-load-"))
    phases = []
    if mode == CONVERSATIONS:
        if len(counts) != 1:
            raise ValueError("the conversations mode takes one user count")
        if not (config.helpdesk_url and config.agent_email and config.agent_password):
            raise ValueError("the conversations mode needs the helpdesk URL and an agent account for its agent bots")
        customers, agents = counts[0], agent_count(counts[0])
        # The bots go online as they start, but a customer whose first question goes straight to a person
        # could escalate before that, find nobody online and get the ticket-first path.
        online_agent(config.helpdesk_url, config.agent_email, config.agent_password, config.reply_timeout_s).close()
        phases.append(run_locust(replace(config, agents=agents), CONVERSATION_USERS, customers + agents, spawn_rate,
                                 seconds, out, CONVERSATIONS))
    else:
        for round_number in range(1, rounds + 1):
            suffix = f"#{round_number}" if round_number > 1 else ""
            for count in counts:
                phases.append(run_locust(config, STATIC_USERS, count, spawn_rate, seconds, out, f"static@{count}{suffix}"))
                phases.append(run_locust(config, KB_USERS, count, spawn_rate, seconds, out, f"kb@{count}{suffix}"))
    return LoadSummary(mode=mode, phases=phases, out_dir=str(out))


def online_agent(helpdesk_url: str, email: str, password: str, timeout_s: float) -> requests.Session:
    """An HTTP session of the helpdesk API as the agent account, logged in and marked online."""
    import requests

    http = requests.Session()
    login = http.post(f"{helpdesk_url}/api/auth/token", json={"email": email, "password": password}, timeout=timeout_s)
    if login.status_code != 200:
        http.close()
        raise ValueError(f"the agent account {email} cannot log in (HTTP {login.status_code})")
    http.headers["Authorization"] = f"Bearer {login.json()['token']}"
    http.put(f"{helpdesk_url}/api/agents/me/presence", json={"presence": "online"}, timeout=timeout_s).raise_for_status()
    return http


# --- with a stack of its own ---------------------------------------------------------------------

STACK_START_TIMEOUT_S = 1200  # a machine busy with other work may take many minutes to build the KB index


def _own_stack_env(var_dir: Path) -> dict[str, str]:
    """The environment `make run` would see, on free ports and a temporary ``var/``, always open."""
    from bot.stack.supervisor import free_port

    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "TRACKER_STORE_URL", "RASA_URL", "HELPDESK_URL", "EFFORTLESS_PROFILE")}
    env.update({
        "EFFORTLESS_VAR_DIR": str(var_dir), "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()),
        "HELPDESK_PORT": str(free_port()), "LOG_LEVEL": "WARNING", "BUSINESS_HOURS": "Mon-Sun 00:00-24:00",
        "PYTHONPATH": str(PROJECT_ROOT),
    })
    # Kept between runs: the action server would otherwise fit the KB indexes again every time.
    env.setdefault("KB_INDEX_CACHE_DIR", str(Path(tempfile.gettempdir()) / "effortless-load-kb-index"))
    return env


@contextmanager
def own_stack() -> Iterator[tuple[str, str, dict[str, str]]]:
    """A stack of its own with one agent account for the agent bots: ``(rasa_url, helpdesk_url, account)``."""
    from bot.stack.assembly import start_stack

    with tempfile.TemporaryDirectory(prefix="effortless-load-stack-") as workdir:
        env = _own_stack_env(Path(workdir) / "var")
        with start_stack(env, timeout_s=STACK_START_TIMEOUT_S) as stack:
            account = {"agent_email": "load-agent@example.com", "agent_password": secrets.token_urlsafe(16)}
            subprocess.run(
                [sys.executable, "-m", "bot", "create-agent", "--email", account["agent_email"], "--name", "Load Agent",
                 "--role", "agent", "--password-stdin"],
                input=account["agent_password"] + "\n", text=True, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True,
            )
            yield stack.rasa_url, stack.helpdesk_url, account


def run_bench(users: int | Sequence[int], spawn_rate: float, seconds: int, mode: str = CONVERSATIONS,
              out_dir: Path | None = None, rounds: int = 1, **options: object) -> LoadSummary:
    """:func:`run_load` against a stack started for the run (temporary ``var/``, free ports)."""
    with own_stack() as (rasa_url, helpdesk_url, account):
        return run_load(rasa_url, helpdesk_url, users, spawn_rate, seconds, mode, out_dir, rounds,
                        **{**account, **options})
