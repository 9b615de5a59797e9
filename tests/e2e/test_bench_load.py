"""``bench-load`` through a real stack: short Locust runs of both modes with no error, every step
seen, Locust's reports written, and escalated web chats that saw their agent's reply.

The stack is the one ``bench-load`` starts for itself (:func:`bot.benchmarks.load.own_stack`), so
that path is tested too; it keeps its KB index cache between runs.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.benchmarks import load
from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

# Every step a conversations run must show; guide_steps is left out: it happens only when the
# sampled question's answer is a guide.
CONVERSATION_STEPS = {"web_connect", "kb_answer", "did_it_help", "escalate", "escalation_form", "agent_login",
                      "agent_online", "agent_claim", "agent_reply", "agent_resolve", "agent_reply_seen", "ces",
                      "ces_comment", "web_conversation", "rest_conversation"}


@pytest.fixture(scope="module")
def deployment():
    with load.own_stack() as (rasa_url, helpdesk_url, account):
        yield rasa_url, helpdesk_url, account


def reports_written(phase: load.PhaseSummary) -> bool:
    stats = Path(f"{phase.csv_prefix}_stats.csv")
    return stats.stat().st_size > 0 and "<html" in Path(phase.html_report).read_text(encoding="utf-8").lower()


def test_conversations_over_socketio_and_rest_with_an_agent_bot_and_no_error(deployment, tmp_path):
    rasa_url, helpdesk_url, account = deployment
    # Every web chat asks for a person, so that a short run surely has escalations to follow through.
    summary = load.run_load(rasa_url, helpdesk_url, users=4, spawn_rate=4, seconds=75, mode=load.CONVERSATIONS,
                            out_dir=tmp_path, think_time_s=(0.5, 1.5), escalation_share=1.0, **account)

    phase = summary.phase(load.CONVERSATIONS)
    assert summary.errors == 0, json.dumps(phase.to_dict()["failures"], indent=1)
    missing = {name for name in CONVERSATION_STEPS if name not in phase.steps or not phase.steps[name].requests}
    assert not missing, f"steps that never ran: {missing}; Locust's log: {Path(phase.csv_prefix + '.log').read_text()[-2000:]}"
    assert phase.steps["agent_reply_seen"].kind == load.DELIVERY  # the customer's chat showed the agent's reply
    assert phase.messages_per_s > 0 and phase.conversations_per_s > 0
    assert reports_written(phase)


def test_the_conversations_mode_refuses_an_agent_account_that_cannot_log_in(deployment, tmp_path):
    rasa_url, helpdesk_url, account = deployment
    with pytest.raises(ValueError, match=f"the agent account {account['agent_email']} cannot log in"):
        load.run_load(rasa_url, helpdesk_url, users=1, spawn_rate=1, seconds=5, mode=load.CONVERSATIONS,
                      out_dir=tmp_path, agent_email=account["agent_email"], agent_password="not the password")


def test_the_command_runs_static_vs_kb_against_a_deployment_and_exits_0(deployment, tmp_path):
    rasa_url, helpdesk_url, _account = deployment
    command = [sys.executable, "-m", "bot", "bench-load", "--mode", "static-vs-kb", "--users", "2", "--spawn-rate", "2",
               "--minutes", "0.25", "--rasa-url", rasa_url, "--helpdesk-url", helpdesk_url, "--out", str(tmp_path)]
    finished = subprocess.run(command, cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                              capture_output=True, text=True, timeout=600)

    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    report = json.loads(finished.stdout)
    static, kb = (next(phase for phase in report["phases"] if phase["label"] == label) for label in ("static@2", "kb@2"))
    assert static["steps"]["static_hello"]["requests"] > 0 and kb["steps"]["kb_question"]["requests"] > 0
    assert report["kb_over_static"]["2"]["p95"] and report["kb_over_static"]["2"]["rate"]
    assert all(Path(phase["csv"]).stat().st_size > 0 and Path(phase["html"]).exists() for phase in report["phases"])
