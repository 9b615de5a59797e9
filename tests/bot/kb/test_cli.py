"""``python -m bot kb check``, ``kb index`` and ``kb reload``, run as a user would (a subprocess with env vars)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.kb.kb_articles import write_article

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def run_kb(tmp_path: Path, *args: str, embedding_model: str | None = "") -> subprocess.CompletedProcess:
    """``embedding_model=None`` leaves KB_EMBEDDING_MODEL unset (the default model); ``""`` keeps a test lexical and fast."""
    env = {**os.environ, "EFFORTLESS_VAR_DIR": str(tmp_path / "var"), "KB_DIR": str(tmp_path / "kb")}
    env.pop("KB_EMBEDDING_MODEL", None)
    if embedding_model is not None:
        env["KB_EMBEDDING_MODEL"] = embedding_model
    return subprocess.run(
        [sys.executable, "-m", "bot", "kb", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    write_article(tmp_path / "kb", "pw", "Reset your password", "en", ["I forgot my password", "reset password"])
    write_article(tmp_path / "kb", "pw-he", "איפוס סיסמה", "he", ["שכחתי את הסיסמה"])
    return tmp_path / "kb"


def test_check_passes_on_a_good_kb_and_counts_articles(tmp_path, kb_dir):
    result = run_kb(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert f"OK: 2 articles (en 1, he 1) in {kb_dir}" in result.stdout


def test_check_loads_the_default_embedding_model_and_names_the_lexical_languages(tmp_path, kb_dir):
    result = run_kb(tmp_path, "check", embedding_model=None)
    assert result.returncode == 0, result.stderr
    assert "embeddings: all-MiniLM-L6-v2 loaded (en); he, ar, cs use the lexical engine" in result.stdout.splitlines()


def test_check_lists_each_problem_on_its_own_line_and_fails(tmp_path, kb_dir):
    (kb_dir / "broken.md").write_text("---\nid: x\n---\nbody\n")
    write_article(kb_dir, "pw", "Duplicate", "en", ["q"], filename="zz-dup.md")
    result = run_kb(tmp_path, "check")
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert f"{kb_dir / 'broken.md'}: missing field 'title'" in lines
    assert any(line.startswith(f"{kb_dir / 'zz-dup.md'}: duplicate id 'pw'") for line in lines)
    assert "2 problem(s)" in result.stderr


def test_check_flags_an_empty_kb(tmp_path):
    (tmp_path / "kb").mkdir()
    result = run_kb(tmp_path, "check")
    assert result.returncode == 1 and "no articles" in result.stdout


def test_index_builds_into_the_cache_once_and_stamps_nothing(tmp_path, kb_dir):
    cache = tmp_path / "var" / "kb" / "index"

    first = run_kb(tmp_path, "index")
    built = sorted(cache.glob("*.pickle"))
    second = run_kb(tmp_path, "index")

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "KB indexed: 2 articles (en 1, he 1) in" in first.stdout
    assert "KB indexed: 2 articles (en 1, he 1) in" in second.stdout
    assert len(built) == 1 and sorted(cache.glob("*.pickle")) == built  # the second run loaded it
    assert not (tmp_path / "var" / "kb" / "reload-stamp").exists()  # running action servers are left alone


def test_index_names_a_broken_file_and_fails(tmp_path, kb_dir):
    (kb_dir / "broken.md").write_text("no front matter")
    result = run_kb(tmp_path, "index")
    assert result.returncode == 1
    assert f"{kb_dir / 'broken.md'}: front matter missing" in result.stdout
    assert "KB not indexed" in result.stderr


def test_reload_builds_reports_and_stamps(tmp_path, kb_dir):
    result = run_kb(tmp_path, "reload")
    assert result.returncode == 0, result.stderr
    assert "KB reloaded: 2 articles (en 1, he 1) in" in result.stdout
    assert (tmp_path / "var" / "kb" / "reload-stamp").is_file()


def test_reload_refuses_a_broken_kb_and_keeps_the_stamp(tmp_path, kb_dir):
    (kb_dir / "broken.md").write_text("no front matter")
    result = run_kb(tmp_path, "reload")
    assert result.returncode == 1
    assert f"{kb_dir / 'broken.md'}: front matter missing" in result.stdout
    assert not (tmp_path / "var" / "kb" / "reload-stamp").exists()
