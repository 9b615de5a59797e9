"""The load test's pure parts: questions from the KB, Locust's CSV summed up, the KB/static ratios,
and the command line's refusals (bot/benchmarks/load.py, bot/benchmarks/cli.py)."""
import csv
import random
from pathlib import Path

import pytest

from bot.benchmarks import cli, load
from bot.settings import PROJECT_ROOT

STATS_HEADER = ["Type", "Name", "Request Count", "Failure Count", "Median Response Time", "Average Response Time",
                "Min Response Time", "Max Response Time", "Average Content Size", "Requests/s", "Failures/s",
                "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"]


def write_stats(prefix: Path, rows: list[dict[str, object]], failures: list[dict[str, object]] = ()) -> None:
    with open(f"{prefix}_stats.csv", "w", newline="") as stats:
        writer = csv.DictWriter(stats, STATS_HEADER, restval="0")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    with open(f"{prefix}_failures.csv", "w", newline="") as failed:
        writer = csv.DictWriter(failed, ["Method", "Name", "Error", "Occurrences"])
        writer.writeheader()
        for failure in failures:
            writer.writerow(failure)


def row(kind: str, name: str, count: int, per_second: float, p95: object, failures: int = 0) -> dict[str, object]:
    return {"Type": kind, "Name": name, "Request Count": count, "Failure Count": failures, "Requests/s": per_second,
            "50%": 40, "95%": p95, "99%": 300}


def phase(tmp_path: Path, label: str, rows: list[dict[str, object]], failures=()) -> load.PhaseSummary:
    prefix = tmp_path / label.replace("@", "-")
    write_stats(prefix, rows, failures)
    steps, failed = load.read_stats(prefix)
    return load.PhaseSummary(label=label, users=int(label.split("@")[1]) if "@" in label else 4, seconds=60,
                             steps=steps, failures=failed, csv_prefix=str(prefix), html_report=f"{prefix}.html")


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


def test_rates_sum_messages_and_conversations_separately_and_errors_count_every_failed_step(tmp_path):
    summary = phase(tmp_path, "conversations", [
        row(load.MESSAGE, "kb_answer", 120, 2.0, 250),
        row(load.MESSAGE, "did_it_help", 90, 1.5, 180, failures=2),
        row(load.AGENT, "agent_reply", 10, 0.2, 40),
        row(load.DELIVERY, "agent_reply_seen", 10, 0.2, 90, failures=1),
        row(load.CONVERSATION, "web_conversation", 30, 0.5, 20000),
        row(load.CONVERSATION, "rest_conversation", 6, 0.1, 9000),
        row("", "Aggregated", 266, 4.5, 300, failures=3),
    ], [{"Method": load.MESSAGE, "Name": "did_it_help", "Error": "StepFailed('timeout: no acknowledgement within 30 s')",
         "Occurrences": 2}])

    assert "Aggregated" not in summary.steps
    assert summary.messages_per_s == 3.5
    assert summary.conversations_per_s == 0.6
    assert summary.errors == 3
    assert summary.failures == [load.Failure("did_it_help", "StepFailed('timeout: no acknowledgement within 30 s')", 2)]
    assert summary.steps["kb_answer"].p95_ms == 250


def test_kb_over_static_ratios_per_user_count(tmp_path):
    summary = load.LoadSummary(mode=load.STATIC_VS_KB, out_dir=str(tmp_path), phases=[
        phase(tmp_path, "static@1", [row(load.MESSAGE, "static_hello", 100, 10.0, 100)]),
        phase(tmp_path, "kb@1", [row(load.MESSAGE, "kb_question", 80, 8.0, 125)]),
        phase(tmp_path, "static@30", [row(load.MESSAGE, "static_hello", 900, 15.0, 2000)]),
        phase(tmp_path, "kb@30", [row(load.MESSAGE, "kb_question", 500, 9.0, "N/A")]),
    ])

    assert summary.ratios() == {1: {"p95": 1.25, "rate": 0.8}, 30: {"p95": 0.0, "rate": 0.6}}
    report = summary.to_dict()
    assert report["kb_over_static"] == {"1": {"p95": 1.25, "rate": 0.8}, "30": {"p95": 0.0, "rate": 0.6}}
    assert report["goals"]["p95_ratio_at_1_user_at_most"] == load.P95_RATIO_GOAL


def test_a_phase_with_no_request_has_no_ratio(tmp_path):
    summary = load.LoadSummary(mode=load.STATIC_VS_KB, out_dir=str(tmp_path), phases=[
        phase(tmp_path, "static@1", [row(load.MESSAGE, "static_hello", 100, 10.0, 100)]),
        phase(tmp_path, "kb@1", []),
    ])

    assert summary.ratios() == {1: {"p95": None, "rate": None}}


def test_one_agent_bot_per_twenty_customers_and_never_none():
    assert [load.agent_count(n) for n in (1, 19, 20, 500)] == [1, 1, 1, 25]


def test_the_scenario_configuration_survives_the_trip_to_the_locust_process():
    config = load.ScenarioConfig(rasa_url="http://lb", helpdesk_url="http://lb/helpdesk", think_time_s=(0.5, 1.0),
                                 agents=3, agent_email="a@example.com", agent_password="secret")

    assert load.ScenarioConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize("argv, complaint", [
    (["--users", "0"], "at least 1"),
    (["--users", "ten"], "not a number of users"),
    (["--users", "1,30"], "conversations mode takes one --users count"),
    (["--think-time", "5,2"], "0 <= MIN <= MAX"),
    (["--minutes", "0"], "must be more than 0"),
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


def test_an_unknown_mode_is_refused_by_the_function_too():
    with pytest.raises(ValueError, match="unknown mode 'soak'"):
        load.run_load("http://127.0.0.1:1", "http://127.0.0.1:2", 1, 1, 1, mode="soak")
