"""When to retrain: the fingerprint of everything training reads, and the model named after it."""
import shutil
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from bot.stack.model import model_path_for, training_fingerprint


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The files training reads, plus part of the KB, copied so the test can change them."""
    root = tmp_path / "project"
    for name in ("config.yml", "domain.yml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / name, root / name)
    for folder in ("data/nlu", "data/rules", "data/kb/en"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    (root / "data" / "stories").mkdir()
    return root


# --- the training fingerprint ----------------------------------------------------------------


def test_fingerprint_is_stable_for_unchanged_inputs(project_copy):
    first = training_fingerprint(project_copy)
    assert training_fingerprint(project_copy) == first
    assert len(first) == 16 and int(first, 16) >= 0


def test_changing_nlu_data_changes_the_fingerprint(project_copy):
    before = training_fingerprint(project_copy)
    nlu_file = next((project_copy / "data" / "nlu").rglob("*.yml"))
    nlu_file.write_text(nlu_file.read_text() + "\n# one more comment\n")

    assert training_fingerprint(project_copy) != before


@pytest.mark.parametrize("change", ["new rule file", "domain", "config", "renamed file"])
def test_every_training_input_counts(project_copy, change):
    before = training_fingerprint(project_copy)
    if change == "new rule file":
        (project_copy / "data" / "rules" / "extra.yml").write_text('version: "3.1"\nrules: []\n')
    elif change == "domain":
        (project_copy / "domain.yml").write_text((project_copy / "domain.yml").read_text() + "\n")
    elif change == "config":
        (project_copy / "config.yml").write_text((project_copy / "config.yml").read_text() + "\n")
    else:
        nlu_file = next((project_copy / "data" / "nlu").rglob("*.yml"))
        nlu_file.rename(nlu_file.with_name("zz_" + nlu_file.name))

    assert training_fingerprint(project_copy) != before


def test_editing_the_knowledge_base_does_not_retrain(project_copy):
    before = training_fingerprint(project_copy)
    article = next((project_copy / "data" / "kb" / "en").glob("*.md"))
    article.write_text(article.read_text() + "\nA new paragraph for customers.\n")
    (project_copy / "data" / "kb" / "en" / "brand-new.md").write_text("---\nid: brand-new\n---\nNew.\n")

    assert training_fingerprint(project_copy) == before


def test_a_fresh_clone_without_the_empty_stories_folder_still_has_a_fingerprint(project_copy):
    with_empty_folder = training_fingerprint(project_copy)
    (project_copy / "data" / "stories").rmdir()  # git does not keep empty folders

    assert training_fingerprint(project_copy) == with_empty_folder


def test_the_model_file_is_named_after_the_fingerprint(tmp_path):
    assert model_path_for("0123456789abcdef", tmp_path) == tmp_path / "effortless-0123456789abcdef.tar.gz"
