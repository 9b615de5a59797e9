"""The Rasa model: a fingerprint of everything training reads, and ``rasa train`` only when no model
for the current fingerprint exists yet."""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from bot.settings import PROJECT_ROOT
from bot.stack.supervisor import StackError, child_env, engine_bin

logger = logging.getLogger("effortless.stack")

# The model also stores what our own pipeline components learn (bot/engine: arbitration vocabularies, the
# handoff policy), so their code is an input too: a model trained by an older version may not load.
TRAINING_INPUTS = (
    "config.yml", "domain.yml", "data/nlu", "data/rules", "data/stories",
    "bot/engine/nlu.py", "bot/engine/arbitration.py", "bot/engine/policy.py",
)
TRAINING_DATA_DIRS = ("data/nlu", "data/rules", "data/stories")
MODEL_PREFIX = "effortless-"


def training_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Hash of everything training reads; KB content (data/kb) is deliberately not part of it.

    A missing input counts as empty: git keeps no empty folders, so a fresh clone has no data/stories.
    """
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.exists() else []
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path_for(fingerprint: str, models_dir: Path) -> Path:
    return models_dir / f"{MODEL_PREFIX}{fingerprint}.tar.gz"


def train_if_needed(models_dir: Path = PROJECT_ROOT / "models", env: Mapping[str, str] | None = None) -> Path:
    """Return the model for the current training data, training it only when none exists yet."""
    fingerprint = training_fingerprint()
    model = model_path_for(fingerprint, models_dir)
    if model.exists():
        logger.info("model %s is up to date; not training", model.name)
        return model
    logger.info("training data changed: training %s (this takes a few minutes)", model.name)
    # A first run's output is mostly these; they are Rasa's notes on this design, not faults.
    logger.info("expected in Rasa's output: warnings that responses and the EXTERNAL_* and introduce_self intents are "
                "used in no story or rule (our actions, policies and the helpdesk use them), and libraries' deprecation "
                "warnings")
    started = time.monotonic()
    command = [
        str(engine_bin("rasa")), "train",
        "--config", "config.yml", "--domain", "domain.yml",
        # Rasa replaces a missing --data folder with the whole data/ (KB and topic files included).
        "--data", *(name for name in TRAINING_DATA_DIRS if (PROJECT_ROOT / name).is_dir()),
        "--out", str(models_dir), "--fixed-model-name", model.name[: -len(".tar.gz")],
    ]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=child_env(env or os.environ))
    if result.returncode != 0 or not model.exists():
        raise StackError(f"`rasa train` failed (exit {result.returncode}); see its output above")
    logger.info("trained %s in %.0f s", model.name, time.monotonic() - started)
    return model
