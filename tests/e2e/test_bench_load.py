"""``bench-load`` through the real stack: short Locust runs of both modes with no error, every step
seen, Locust's reports written, and escalated web chats that saw their agent's reply."""
import json
import uuid
from pathlib import Path

import pytest

from bot.benchmarks import load

pytestmark = pytest.mark.e2e

# Every step a conversations run must show; guide_steps is left out: it happens only when the
# sampled question's answer is a guide.
CONVERSATION_STEPS = {"web_connect", "kb_answer", "did_it_help", "escalate", "escalation_form", "agent_login",
                      "agent_online", "agent_claim", "agent_reply", "agent_resolve", "agent_reply_seen", "ces",
                      "ces_comment", "web_conversation", "rest_conversation"}


@pytest.fixture(scope="module")
def agent_account(stack):
    email, password = f"load-{uuid.uuid4().hex[:6]}@example.com", "load test password"
    stack.create_agent(email, "Load Agent", "agent", password)
    return {"agent_email": email, "agent_password": password}


def reports_written(phase: load.PhaseSummary) -> bool:
    stats = Path(f"{phase.csv_prefix}_stats.csv")
    return stats.stat().st_size > 0 and "<html" in Path(phase.html_report).read_text(encoding="utf-8").lower()


def test_conversations_over_socketio_and_rest_with_an_agent_bot_and_no_error(stack, agent_account, tmp_path):
    # Every web chat asks for a person, so that a short run surely has escalations to follow through.
    summary = load.run_load(stack.rasa_url, stack.helpdesk_url, users=4, spawn_rate=4, seconds=75,
                            mode=load.CONVERSATIONS, out_dir=tmp_path, think_time_s=(0.5, 1.5),
                            escalation_share=1.0, **agent_account)

    phase = summary.phase(load.CONVERSATIONS)
    assert summary.errors == 0, json.dumps(phase.to_dict()["failures"], indent=1)
    missing = {name for name in CONVERSATION_STEPS if name not in phase.steps or not phase.steps[name].requests}
    assert not missing, f"steps that never ran: {missing}; log: {Path(phase.csv_prefix + '.log').read_text()[-2000:]}"
    assert phase.steps["agent_reply_seen"].kind == load.DELIVERY  # the customer's chat showed the agent's reply
    assert phase.messages_per_s > 0 and phase.conversations_per_s > 0
    assert reports_written(phase)


def test_static_vs_kb_runs_both_phases_and_gives_the_ratios(stack, tmp_path):
    summary = load.run_load(stack.rasa_url, stack.helpdesk_url, users=[2], spawn_rate=2, seconds=15,
                            mode=load.STATIC_VS_KB, out_dir=tmp_path)

    assert summary.errors == 0, [phase.to_dict()["failures"] for phase in summary.phases]
    assert summary.phase("static@2").steps["static_hello"].requests > 0
    assert summary.phase("kb@2").steps["kb_question"].requests > 0
    ratios = summary.ratios()[2]
    assert ratios["p95"] and ratios["rate"]
    assert all(reports_written(phase) for phase in summary.phases)
