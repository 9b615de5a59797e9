"""``bench-kb`` on a small synthetic data set: the JSON it prints and what its numbers mean."""
import json
from pathlib import Path

import pytest

from bot.kb.bench import build_articles
from bot.kb.cli import bench_main
from tests.bot.kb.kb_articles import INTENTS, write_csv


@pytest.fixture(autouse=True)
def isolated_var_dir(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EFFORTLESS_VAR_DIR", str(tmp_path / "var"))


@pytest.fixture
def dataset(tmp_path: Path):
    train = write_csv(tmp_path / "train.csv", [(q, label) for label, qs in INTENTS.items() for q in qs])
    test = write_csv(tmp_path / "test.csv", [
        ("my card hasn't arrived yet", "card_arrival"), ("someone stole my card", "lost_card"),
        ("what's today's exchange rate", "exchange_rate"), ("how can I add money", "top_up"),
        ("tell me a joke", "oos"),
    ])
    oos = write_csv(tmp_path / "oos.csv", [("who won the football game",), ("what is the weather in rome",)], header=("text",))
    return train, test, oos


def test_prints_one_json_object_with_every_metric(dataset, tmp_path, capsys):
    train, test, oos = dataset
    out = tmp_path / "result.json"
    code = bench_main(["--train", str(train), "--test", str(test), "--oos", str(oos), "--oos-label", "oos",
                 "--shots", "5", "--seed", "1", "--embedding-model", "", "--json", str(out)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(out.read_text())
    for key in ("hit_at_1", "oos_recall", "false_abstention", "accuracy", "answer", "clarify", "abstain",
                "build_s", "latency_ms", "top1_accuracy", "wrong_answer_rate"):
        assert key in printed
    assert (printed["in_scope"], printed["out_of_scope"], printed["articles"]) == (4, 3, 4)
    assert printed["answer"] + printed["clarify"] + printed["abstain"] == 7
    for key in ("hit_at_1", "oos_recall", "false_abstention", "accuracy"):
        assert 0.0 <= printed[key] <= 1.0
    assert printed["hit_at_1"] >= 0.75 and printed["hit_at_1"] <= printed["top1_accuracy"]
    assert 0 < printed["latency_ms"]["p50"] <= printed["latency_ms"]["p95"]


def test_shots_keeps_k_questions_per_label_reproducibly():
    rows = [(f"question {i} about {label}", label) for label in ("a", "b") for i in range(20)]
    first = build_articles(rows, shots=3, seed=7, language="en", exclude_label=None)
    again = build_articles(rows, shots=3, seed=7, language="en", exclude_label=None)
    assert [len(a.questions) for a in first] == [3, 3]
    assert first == again
    assert [a.title for a in first] == ["a", "b"]


def test_out_of_scope_training_rows_make_no_article():
    articles = build_articles([("hello", "oos"), ("card", "card_arrival")], None, 0, "en", exclude_label="oos")
    assert [a.id for a in articles] == ["card_arrival"]


def test_a_missing_column_is_a_clear_error(dataset, capsys):
    train, test, _ = dataset
    assert bench_main(["--train", str(train), "--test", str(test), "--label-col", "intent", "--embedding-model", ""]) == 2
    assert "no column 'intent'" in capsys.readouterr().err
