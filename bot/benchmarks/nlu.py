"""Intent classification per language, by cross-validation of the shipped NLU data (``python -m bot bench-nlu``).

Runs Rasa's own ``rasa test nlu --cross-validation`` on ``data/nlu`` with the shipped ``config.yml``
(every example is predicted once, by a model trained on the other folds), then splits the
predictions by the language folder each example comes from (``data/nlu/<language>/``) and prints,
per language: examples, accuracy and macro F1 of the classifier over the intents that language has, the
share misread with a confidence the bot would act on (see :func:`per_language`), and the intents most
often confused. Rasa's own reports (``intent_report.json``, confusion matrix) stay in ``--out``.
It trains ``--folds`` models: minutes on a laptop, so it is a benchmark, never a test.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT
from bot.stack.supervisor import StackError, child_env, engine_bin

NLU_DIR = PROJECT_ROOT / "data" / "nlu"


def fallback_threshold(config_path: Path = PROJECT_ROOT / "config.yml") -> float:
    """The FallbackClassifier's ``threshold`` in the shipped pipeline."""
    pipeline = (yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}).get("pipeline") or []
    return float(next(c.get("threshold", 0.3) for c in pipeline if c.get("name") == "FallbackClassifier"))


def examples_by_language(nlu_dir: Path = NLU_DIR) -> dict[str, str]:
    """Each training example's text → the language folder it is written in."""
    languages = {}
    for path in sorted(nlu_dir.glob("*/*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    languages[text] = path.parent.name
    return languages


def macro_f1(pairs: Iterable[tuple[str, str]]) -> float:
    """Macro-averaged F1 over the true intents of ``(true, predicted)`` pairs."""
    pairs = list(pairs)
    intents = {true for true, _ in pairs}
    scores = []
    for intent in intents:
        hits = sum(true == predicted == intent for true, predicted in pairs)
        predicted = sum(p == intent for _, p in pairs)
        actual = sum(t == intent for t, _ in pairs)
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def per_language(predictions: list[dict], languages: dict[str, str], fallback_threshold: float) -> dict[str, dict]:
    """Figures per language from Rasa's intent successes and errors (``text``, ``intent``, ``intent_prediction``).

    Rasa reports the classifier's own top intent even where the bot would fall back (it undoes
    ``nlu_fallback`` in evaluations), so ``accuracy`` is the classifier's; ``misread_confidently`` counts
    the wrong ones at or above ``fallback_threshold``, the misreads the bot would act on."""
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    confident_misreads: Counter[str] = Counter()
    for row in predictions:
        language = languages.get(row["text"].strip(), "unknown")
        prediction = row.get("intent_prediction") or {}
        predicted = prediction.get("name") or ""
        pairs[language].append((row["intent"], predicted))
        if predicted != row["intent"] and (prediction.get("confidence") or 0.0) >= fallback_threshold:
            confident_misreads[language] += 1
    figures = {}
    for language, language_pairs in sorted(pairs.items()):
        confused = Counter(f"{t} → {p}" for t, p in language_pairs if t != p)
        figures[language] = {
            "examples": len(language_pairs),
            "accuracy": round(sum(t == p for t, p in language_pairs) / len(language_pairs), 3),
            "macro_f1": round(macro_f1(language_pairs), 3),
            # Below the fallback threshold the bot does not act on the intent (the message goes to the
            # knowledge base, or is the answer to a form's question): only a confident misread misleads it.
            "misread_confidently": round(confident_misreads[language] / len(language_pairs), 3),
            "most_confused": dict(confused.most_common(5)),
        }
    return figures


def run_benchmark(folds: int, out: Path | None) -> dict:
    """Cross-validate with Rasa and return the per-language figures; raises :class:`StackError` if Rasa fails."""
    output = out or Path(tempfile.mkdtemp(prefix="bench-nlu-"))
    command = [
        str(engine_bin("rasa")), "test", "nlu", "--nlu", str(NLU_DIR), "--config", "config.yml",
        "--cross-validation", "--folds", str(folds), "--successes", "--out", str(output),
    ]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=child_env(os.environ))
    files = [output / "intent_successes.json", output / "intent_errors.json"]
    if result.returncode != 0 or not files[0].exists():
        raise StackError(f"`rasa test nlu --cross-validation` failed (exit {result.returncode}); see its output above")
    predictions = [row for path in files if path.exists() for row in json.loads(path.read_text(encoding="utf-8"))]
    return {"folds": folds, "reports": str(output), "languages": per_language(predictions, examples_by_language(), fallback_threshold())}
