"""The load test's pure parts: questions from the KB, Locust's final figures summed up, the KB/static ratios,
and the command line's refusals (bot/benchmarks/load.py, bot/benchmarks/cli.py)."""
import json
import random
from pathlib import Path

import pytest

from bot.benchmarks import cli, load
from bot.settings import PROJECT_ROOT


def step(kind: str, name: str, requests: int, p95: int, failures: int = 0) -> dict[str, object]:
    return {"name": name, "kind": kind, "requests": requests, "failures": failures, "p50_ms": 40, "p95_ms": p95,
            "p99_ms": 300}


def phase(tmp_path: Path, label: str, steps: list[dict[str, object]], failures=(), duration_s: float = 60.0,
          exceptions=()) -> load.PhaseSummary:
    """A phase read back from the figures file the locustfile writes when Locust quits."""
    prefix = tmp_path / label.replace("@", "-")
    summary_file = Path(f"{prefix}_summary.json")
    summary_file.write_text(json.dumps({"duration_s": duration_s, "steps": steps, "failures": list(failures),
                                        "exceptions": list(exceptions)}))
    read_steps, read_failures = load.read_summary(summary_file)
    return load.PhaseSummary(label=label, users=int(label.split("@")[1].split("#")[0]) if "@" in label else 4, seconds=60,
                             steps=read_steps, failures=read_failures, csv_prefix=str(prefix), html_report=f"{prefix}.html")


def test_the_shipped_kb_gives_example_questions_in_all_four_languages():
    questions = load.kb_questions(PROJECT_ROOT / "data" / "kb")

    assert set(questions) == {"en", "he", "ar", "cs"}
    assert all(len(listed) >= 20 for listed in questions.values()), {k: len(v) for k, v in questions.items()}
    assert "what is acme plus" in questions["en"]


def test_a_kb_without_questions_in_a_language_is_refused_by_name(tmp_path):
    article = (PROJECT_ROOT / "data" / "kb" / "en" / "acme-plus-benefits.md").read_text()
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "acme-plus-benefits.md").write_text(article)

    with pytest.raises(ValueError, match="no example questions in he, ar, cs"):
        load.kb_questions(tmp_path)


def test_questions_are_sampled_evenly_over_languages_whatever_their_counts():
    questions = {"en": [f"en {n}" for n in range(100)], "he": ["he 0"], "ar": ["ar 0"], "cs": ["cs 0", "cs 1"]}
    rng = random.Random(7)

    drawn = [load.sample_question(questions, rng) for _ in range(4000)]

    shares = {language: sum(1 for drawn_language, _ in drawn if drawn_language == language) / len(drawn)
              for language in questions}
    assert all(0.22 < share < 0.28 for share in shares.values()), shares
    assert all(question in questions[language] for language, question in drawn)


def test_rates_are_over_the_whole_run_and_sum_messages_and_conversations_separately(tmp_path):
    summary = phase(tmp_path, "conversations", [
        step(load.MESSAGE, "kb_answer", 120, 250),
        step(load.MESSAGE, "did_it_help", 90, 180, failures=2),
        step(load.AGENT, "agent_reply", 12, 40),
        step(load.DELIVERY, "agent_reply_seen", 12, 90, failures=1),
        step(load.CONVERSATION, "web_conversation", 30, 20000),
        step(load.CONVERSATION, "rest_conversation", 6, 9000),
    ], [{"step": "did_it_help", "reason": "StepFailed('timeout: no acknowledgement within 30 s')", "occurrences": 2}])

    assert summary.steps["kb_answer"].per_second == 2.0
    assert summary.messages_per_s == 3.5  # (120 + 90) / 60 s: agent calls and deliveries are not messages
    assert summary.conversations_per_s == 0.6  # (30 + 6) / 60 s
    assert summary.errors == 3
    assert summary.failures == [load.Failure("did_it_help", "StepFailed('timeout: no acknowledgement within 30 s')", 2)]
    assert summary.steps["kb_answer"].p95_ms == 250


def test_a_run_that_made_no_request_has_no_rate(tmp_path):
    summary = phase(tmp_path, "conversations", [], duration_s=0.0)

    assert (summary.messages_per_s, summary.errors, summary.steps) == (0, 0, {})


def test_an_exception_in_the_locustfile_is_an_error_though_no_step_failed(tmp_path):
    crash = {"step": load.LOCUSTFILE_EXCEPTION, "reason": "KeyError('id')", "occurrences": 3}
    summary = phase(tmp_path, "conversations", [step(load.MESSAGE, "kb_answer", 10, 250)], exceptions=[crash])

    assert summary.errors == 3
    assert summary.failures == [load.Failure(load.LOCUSTFILE_EXCEPTION, "KeyError('id')", 3)]


def test_kb_over_static_ratios_per_user_count(tmp_path):
    summary = load.LoadSummary(mode=load.STATIC_VS_KB, out_dir=str(tmp_path), phases=[
        phase(tmp_path, "static@1", [step(load.MESSAGE, "static_hello", 600, 100)]),
        phase(tmp_path, "kb@1", [step(load.MESSAGE, "kb_question", 480, 125)]),
        phase(tmp_path, "static@30", [step(load.MESSAGE, "static_hello", 900, 2000)]),
        phase(tmp_path, "kb@30", [step(load.MESSAGE, "kb_question", 540, 3000)]),
    ])

    assert summary.ratios() == {1: {"p95": 1.25, "rate": 0.8}, 30: {"p95": 1.5, "rate": 0.6}}
    report = summary.to_dict()
    assert report["kb_over_static"] == {"1": {"p95": 1.25, "rate": 0.8}, "30": {"p95": 1.5, "rate": 0.6}}
    assert report["goals"]["p95_ratio_at_1_user_at_most"] == load.P95_RATIO_GOAL


def test_questions_taken_to_a_person_count_in_the_rate_but_not_in_the_answers_p95(tmp_path):
    summary = load.LoadSummary(mode=load.STATIC_VS_KB, out_dir=str(tmp_path), phases=[
        phase(tmp_path, "static@1", [step(load.MESSAGE, "static_hello", 600, 100)]),
        phase(tmp_path, "kb@1", [step(load.MESSAGE, "kb_question", 450, 120),
                                 step(load.MESSAGE, load.KB_QUESTION_TO_PERSON, 30, 400)]),
    ])

    assert summary.ratios() == {1: {"p95": 1.2, "rate": 0.8}}


def test_with_several_rounds_each_ratio_is_the_median_of_the_rounds(tmp_path):
    summary = load.LoadSummary(mode=load.STATIC_VS_KB, out_dir=str(tmp_path), phases=[
        phase(tmp_path, "static@1", [step(load.MESSAGE, "static_hello", 600, 100)]),
        phase(tmp_path, "kb@1", [step(load.MESSAGE, "kb_question", 480, 200)]),
        phase(tmp_path, "static@1#2", [step(load.MESSAGE, "static_hello", 600, 100)]),
        phase(tmp_path, "kb@1#2", [step(load.MESSAGE, "kb_question", 540, 120)]),
        phase(tmp_path, "static@1#3", [step(load.MESSAGE, "static_hello", 300, 50)]),
        phase(tmp_path, "kb@1#3", [step(load.MESSAGE, "kb_question", 270, 70)]),
    ])

    assert summary.ratios() == {1: {"p95": 1.4, "rate": 0.9, "rounds": [
        {"p95": 2.0, "rate": 0.8}, {"p95": 1.2, "rate": 0.9}, {"p95": 1.4, "rate": 0.9}]}}


def test_an_even_number_of_rounds_takes_the_mean_of_the_middle_two(tmp_path):
    summary = load.LoadSummary(mode=load.STATIC_VS_KB, out_dir=str(tmp_path), phases=[
        phase(tmp_path, "static@1", [step(load.MESSAGE, "static_hello", 600, 100)]),
        phase(tmp_path, "kb@1", [step(load.MESSAGE, "kb_question", 480, 200)]),
        phase(tmp_path, "static@1#2", [step(load.MESSAGE, "static_hello", 600, 100)]),
        phase(tmp_path, "kb@1#2", [step(load.MESSAGE, "kb_question", 540, 150)]),
    ])

    assert summary.ratios()[1]["p95"] == 1.75 and summary.ratios()[1]["rate"] == 0.85


def test_a_phase_with_no_request_has_no_ratio(tmp_path):
    summary = load.LoadSummary(mode=load.STATIC_VS_KB, out_dir=str(tmp_path), phases=[
        phase(tmp_path, "static@1", [step(load.MESSAGE, "static_hello", 100, 100)]),
        phase(tmp_path, "kb@1", []),
    ])

    assert summary.ratios() == {1: {"p95": None, "rate": None}}


def test_alike_failures_get_one_reason_without_object_addresses():
    first = OSError("Connection to <HTTPConnection(host='127.0.0.1') at 0x7f797a79e1d0> timed out")
    second = OSError("Connection to <HTTPConnection(host='127.0.0.1') at 0x7f79901144c0> timed out")

    assert load.failure_reason(first) == load.failure_reason(second) == \
        "OSError: Connection to <HTTPConnection(host='127.0.0.1')> timed out"
    assert len(load.failure_reason(ValueError("x" * 1000))) == len("ValueError: ") + load.REASON_MAX_CHARS


def test_one_agent_bot_per_twenty_customers_and_never_none():
    assert [load.agent_count(n) for n in (1, 19, 20, 500)] == [1, 1, 1, 25]


def test_the_scenario_configuration_survives_the_trip_to_the_locust_process():
    config = load.ScenarioConfig(rasa_url="http://lb", helpdesk_url="http://lb/helpdesk", think_time_s=(0.5, 1.0),
                                 agent_think_time_s=(1.0, 2.5), agents=3, agent_email="a@example.com", agent_password="secret")

    assert load.ScenarioConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize("argv, complaint", [
    (["--users", "0"], "at least 1"),
    (["--users", "ten"], "is not a whole number"),
    (["--users", "1,30"], "conversations mode takes one --users count"),
    (["--think-time", "5,2"], "0 <= MIN <= MAX"),
    (["--agent-think-time", "3,1"], "0 <= MIN <= MAX"),
    (["--minutes", "0"], "must be more than 0"),
    (["--rounds", "3"], "more than 1 only with --mode static-vs-kb"),
    (["--mode", "static-vs-kb", "--rounds", "0"], "--rounds must be at least 1"),
    (["--escalation-share", "1.5"], "between 0 and 1"),
    (["--rasa-url", "http://127.0.0.1:1"], "both --rasa-url and --helpdesk-url"),
    (["--rasa-url", "http://127.0.0.1:1", "--helpdesk-url", "http://127.0.0.1:2"], "--agent-email and LOAD_AGENT_PASSWORD"),
])
def test_bad_arguments_are_refused_with_a_reason(argv, complaint, capsys, monkeypatch):
    monkeypatch.delenv("LOAD_AGENT_PASSWORD", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.load_main(argv)

    assert exited.value.code == 2
    assert complaint in capsys.readouterr().err


def test_rounds_in_the_conversations_mode_are_refused_by_the_function_too():
    with pytest.raises(ValueError, match="more than one only in the static-vs-kb mode"):
        load.run_load("http://127.0.0.1:1", "http://127.0.0.1:2", 1, 1, 1, rounds=2)


def test_an_unknown_mode_is_refused_by_the_function_too():
    with pytest.raises(ValueError, match="unknown mode 'soak'"):
        load.run_load("http://127.0.0.1:1", "http://127.0.0.1:2", 1, 1, 1, mode="soak")
