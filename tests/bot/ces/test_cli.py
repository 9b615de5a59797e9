"""``python -m bot report`` as a user runs it: a real process against a seeded database."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.db import make_engine, make_session_factory
from bot.settings import PROJECT_ROOT
from tests.bot.ces.seed import SINCE, UNTIL, migrated_settings, seed_report_data


@pytest.fixture(scope="module")
def database_env(tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("cli")
    settings = migrated_settings(directory)
    engine = make_engine(settings.database_url)
    seed_report_data(make_session_factory(engine))
    engine.dispose()
    return {"DATABASE_URL": settings.database_url, "EFFORTLESS_VAR_DIR": str(directory / "var")}


def run_report(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", *args],
        cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )


def test_json_format_is_the_report_dict(database_env):
    result = run_report(database_env, "--since", SINCE, "--until", UNTIL, "--format", "json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["range"] == {"since": SINCE, "until": UNTIL}
    assert (report["ces"]["summary"]["mean"], report["ces"]["summary"]["share_easy"]) == (4.43, 0.5714)
    assert report["containment"]["containment_rate"] == 0.5556
    assert report["kb_gaps"]["groups"][0]["representative"] == "How do I export my data?"


def test_csv_format_is_a_spreadsheet_table(database_env):
    result = run_report(database_env, "--since", SINCE, "--until", UNTIL, "--format", "csv")

    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["section", "dimension", "key", "metric", "value"]
    assert ["ces_summary", "", "", "responses", "7"] in rows
    assert ["ces_by", "language", "he", "mean", "4.0"] in rows
    assert ["kb_gaps", "", "", "left_out_as_noise", "5"] in rows


def test_text_format_is_a_readable_report(database_env):
    result = run_report(database_env, "--since", SINCE, "--until", UNTIL)

    assert result.returncode == 0, result.stderr
    assert "responses 7   mean 4.43" in result.stdout
    assert "kb_missed_twice" in result.stdout
    assert "איך לייצא נתונים?" in result.stdout
    assert "KB gaps (8 unanswered questions in 5 groups)" in result.stdout
    gaps = result.stdout.split("KB gaps")[1].split("Help-centre articles")[0]
    assert "  left out as noise (markup or code, filler, no letters): 5" in gaps
    assert not any(noise in gaps for noise in ("<script>", "OR 1=1", "dunno", "אין לי מושג", "🤷"))


def test_the_default_range_ends_today(database_env):
    result = run_report(database_env, "--format", "json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["range"]["until"] == report["generated_at"][:10]


@pytest.mark.parametrize("args, message", [
    (["--since", "yesterday"], "since must be a date like 2026-03-01 (YYYY-MM-DD), got 'yesterday'"),
    (["--since", "2026-03-15", "--until", "2026-03-02"], "since (2026-03-15) is after until (2026-03-02)"),
    (["--format", "xml"], "argument --format: invalid choice: 'xml'"),
])
def test_bad_arguments_exit_2_with_one_line(database_env, args, message):
    result = run_report(database_env, *args)

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_a_database_without_schema_exits_1_and_says_to_migrate(tmp_path: Path):
    result = run_report({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "EFFORTLESS_VAR_DIR": str(tmp_path)})

    assert result.returncode == 1
    assert "no such table" in result.stderr
    assert "python -m bot migrate" in result.stderr
