"""``python -m bot bench-kb-size``: what a bigger knowledge base costs: building its index, loading it back,
a search, and the memory of the build.

The shipped KB (or ``--kb``) is grown to ``--copies`` times its articles in ``--language``, the other
languages left as they are. Each copy of an article gets an id of its own and a made-up product name in its
title and example questions ("the app keeps crashing (Model K7)"), so to the classifiers copies are
different articles, as a real KB's are, though more alike than a real KB's. For each size:

- a fresh process builds the index into an empty cache (``build_s``): what the first start and every edit of
  the KB pay, in the child process the action server fits it in, while the previous index keeps answering;
- another fresh process loads it back from the cache (``cached_load_s``): what a restart pays, and
  searches the original articles' example questions, one at a time (``search_ms``: count, p50, p95, max);
- reports the build's peak resident memory (``build_peak_rss_mb``) and what the process holds once it has loaded
  the index and searched (``serving_rss_mb``: the index, the embedding model and the code, about what an
  action server holds for search).

Prints one JSON object. Sizes of hundreds of articles take minutes: a benchmark, not a test.

    python -m bot bench-kb-size                         # English, 1x and 4x the shipped articles
    python -m bot bench-kb-size --copies 1,4,10,20      # up to 1,000 English articles
    python -m bot bench-kb-size --language cs --embedding-model none
"""
from __future__ import annotations

import multiprocessing
import os
import random
import resource
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

SEARCHES = 300  # example questions searched per size, at most
SEED = 0


def grow_kb(source: Path, target: Path, language: str, copies: int) -> int:
    """Copy the KB ``source`` into ``target`` with ``copies`` copies of each ``language`` article (the first is the
    article itself); returns how many ``language`` articles ``target`` has."""
    from bot.kb.loader import article_files, split_front_matter

    count = 0
    for path in article_files(source):
        relative = path.relative_to(source)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8-sig")
        (target / relative).write_text(text, encoding="utf-8")
        front, body = split_front_matter(text) or ("", "")
        meta = yaml.safe_load(front) or {}
        if meta.get("language") != language:
            continue
        count += copies
        for copy in range(1, copies):
            product = f"(Model K{copy})"
            grown = {**meta, "id": f"{meta['id']}-k{copy}", "title": f"{meta['title']} {product}",
                     "questions": [f"{question} {product}" for question in meta.get("questions", [])]}
            front_matter = yaml.safe_dump(grown, allow_unicode=True, sort_keys=False)
            (target / relative).with_name(f"{path.stem}-k{copy}.md").write_text(
                f"---\n{front_matter}---\n{body}", encoding="utf-8")
    return count


def run_benchmark(kb_dir: Path, language: str, copies: Sequence[int], embedding_model: str | None = None) -> dict:
    """Each size of :func:`grow_kb`, built in a process of its own and then loaded back and searched in
    another, as a restarted action server would; ``embedding_model`` ``None`` keeps the setting, ``"none"``
    measures the lexical engine. Raises ValueError for a KB without ``language`` questions."""
    from bot.benchmarks.load import kb_questions

    questions = kb_questions(kb_dir, [language])[language]
    sizes = []
    for count in copies:
        with tempfile.TemporaryDirectory(prefix="effortless-kb-size-") as workdir:
            grown, var_dir = Path(workdir) / "kb", Path(workdir) / "var"
            articles = grow_kb(kb_dir, grown, language, count)
            built = _in_fresh_process(build, grown, var_dir, embedding_model)
            served = _in_fresh_process(load_and_search, grown, var_dir, embedding_model, language, questions)
        sizes.append({"copies": count, "articles": articles, **built, **served})
    return {"kb": str(kb_dir), "language": language, "sizes": sizes}


def _in_fresh_process(function, *args):
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as child:
        return child.submit(function, *args).result()


def _settings(kb_dir: Path, var_dir: Path, embedding_model: str | None):
    from bot.settings import load_settings

    overrides = {"KB_DIR": str(kb_dir), "EFFORTLESS_VAR_DIR": str(var_dir)}
    if embedding_model is not None:
        overrides["KB_EMBEDDING_MODEL"] = embedding_model
    return load_settings({**os.environ, **overrides})


def build(kb_dir: Path, var_dir: Path, embedding_model: str | None) -> dict:
    """Build the index of ``kb_dir`` into the empty cache of ``var_dir``: its time and the process's peak memory."""
    from bot.kb.store import build_knowledge_base

    started = time.perf_counter()
    _, report = build_knowledge_base(_settings(kb_dir, var_dir, embedding_model))
    return {
        "all_articles": sum(report.counts.values()),
        "build_s": round(time.perf_counter() - started, 1),
        "build_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def load_and_search(kb_dir: Path, var_dir: Path, embedding_model: str | None, language: str,
                    questions: Sequence[str]) -> dict:
    """Load the index :func:`build` cached and search ``questions`` (at most :data:`SEARCHES`) one at a time:
    the load's time, the searches' latency and the memory the process then holds."""
    from bot.benchmarks.processes import latency_summary, tree_rss_kb
    from bot.kb.store import build_knowledge_base

    started = time.perf_counter()
    knowledge_base, _ = build_knowledge_base(_settings(kb_dir, var_dir, embedding_model))
    cached_load_s = time.perf_counter() - started
    latencies = []
    for question in random.Random(SEED).sample(list(questions), min(SEARCHES, len(questions))):
        started = time.perf_counter()
        knowledge_base.search(question, language)
        latencies.append(1000 * (time.perf_counter() - started))
    return {
        "example_questions": sum(len(article.questions) for article in knowledge_base.articles
                                 if article.language == language),
        "cached_load_s": round(cached_load_s, 2),
        "search_ms": latency_summary(latencies, digits=2),
        "serving_rss_mb": round(tree_rss_kb(os.getpid()) / 1024),
    }
