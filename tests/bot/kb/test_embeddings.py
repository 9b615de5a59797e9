"""The KB's sentence-embedding model (BERT in ONNX Runtime, numpy as reference), installed by default."""
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.kb import cli
from bot.kb.embeddings import EmbeddingModelError, SentenceEncoder, embedding_status, load_encoder, resolve_model_dir
from bot.kb.loader import load_articles
from bot.kb.search import KnowledgeBase
from bot.kb.store import KnowledgeBaseStore, build_knowledge_base, embedding_cache_dir
from bot.settings import load_settings

MODEL = "all-MiniLM-L6-v2"
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_an_unknown_model_name_is_a_clear_error():
    with pytest.raises(EmbeddingModelError, match="not found"):
        resolve_model_dir("no-such-model-anywhere")


def test_a_model_folder_without_its_files_is_a_clear_error(tmp_path: Path):
    with pytest.raises(EmbeddingModelError, match="must contain config.json"):
        resolve_model_dir(str(tmp_path))


def test_an_unusable_model_setting_falls_back_to_lexical_search(settings, demo_kb_dir, caplog):
    store = KnowledgeBaseStore(settings.model_copy(update={"kb_dir": demo_kb_dir, "kb_embedding_model": "no-such-model"}), 0)
    with caplog.at_level(logging.ERROR, logger="effortless.kb"):
        assert store.current().search("where is my order", "en").top.article_id == "track-order"
    assert "KB embeddings disabled" in caplog.text and "no-such-model" in caplog.text


OFFLINE_DEFAULT_BUILD = """
import json, socket

def no_network(*args, **kwargs):
    raise OSError("the default install must not touch the network")

socket.socket.connect = socket.create_connection = no_network

from bot.kb.embeddings import embedding_status
from bot.kb.store import build_knowledge_base, embedding_cache_dir
from bot.settings import load_settings

settings = load_settings()
kb, _ = build_knowledge_base(settings)
[vector] = embedding_status(settings.kb_embedding_model).encoder.encode(["where is my order"])
print(json.dumps({
    "model": settings.kb_embedding_model,
    "cached_groups": len(list(embedding_cache_dir(settings).rglob("*.npy"))),
    "paraphrase": kb.search("my shipment is late", "en").top.article_id,
    "dimension": len(vector),
    "norm": float((vector ** 2).sum() ** 0.5),
}))
"""


def test_the_default_install_builds_english_embeddings_offline(tmp_path, demo_kb_dir):
    env = {name: value for name, value in os.environ.items() if name != "KB_EMBEDDING_MODEL"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", EFFORTLESS_VAR_DIR=str(tmp_path / "var"), KB_DIR=str(demo_kb_dir))
    run = subprocess.run([sys.executable, "-c", OFFLINE_DEFAULT_BUILD], cwd=PROJECT_ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    english = sum(1 for a in load_articles(demo_kb_dir) if a.language == "en")
    assert result["model"] == MODEL
    assert result["cached_groups"] == english + 1  # every English article and the off-topic questions were embedded
    assert result["paraphrase"] == "track-order"
    assert result["dimension"] == 384 and abs(result["norm"] - 1.0) < 1e-4


@pytest.mark.parametrize("value", ["none", ""])
def test_none_or_empty_builds_the_lexical_engine_only(settings_env, demo_kb_dir, tmp_path, value):
    settings = load_settings({**settings_env, "KB_DIR": str(demo_kb_dir), "KB_EMBEDDING_MODEL": value})
    knowledge_base, _ = build_knowledge_base(settings)
    assert knowledge_base.search("where is my order", "en").top.article_id == "track-order"
    assert not embedding_cache_dir(settings).exists()
    assert embedding_status(settings.kb_embedding_model).describe() == (
        "embeddings: off (KB_EMBEDDING_MODEL=none): every language uses the lexical engine"
    )
    # bench-kb passes --embedding-model straight to the build
    assert load_encoder(value) is None
    KnowledgeBase.build(load_articles(demo_kb_dir), embedding_model=value, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_a_broken_model_falls_back_to_lexical_logs_once_and_shows_in_kb_check(
    settings_env, demo_kb_dir, tmp_path, caplog, capsys, monkeypatch
):
    broken = tmp_path / "broken-model"
    broken.mkdir()
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        (broken / name).write_text("not a model")
    env = {**settings_env, "KB_DIR": str(demo_kb_dir), "KB_EMBEDDING_MODEL": str(broken)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level(logging.ERROR, logger="effortless.kb"):
        for _ in range(2):  # the first build and a hot reload
            knowledge_base, report = build_knowledge_base(load_settings())
            assert report.ok and knowledge_base.search("where is my order", "en").top.article_id == "track-order"
        assert cli.main(["check"]) == 0
    disabled = [record.getMessage() for record in caplog.records if "KB embeddings disabled" in record.getMessage()]
    assert len(disabled) == 1 and str(broken) in disabled[0]
    output = capsys.readouterr().out
    assert f"embeddings: unavailable ({broken}: cannot load the model: JSONDecodeError" in output
    assert "every language uses the lexical engine" in output


@pytest.fixture(scope="module")
def numpy_encoder() -> SentenceEncoder:
    return SentenceEncoder(resolve_model_dir(MODEL), runtime="numpy")


def test_the_numpy_encoder_matches_the_published_model(numpy_encoder):
    [vector] = numpy_encoder.encode(["This is an example sentence"])
    # First values published for sentence-transformers/all-MiniLM-L6-v2 on this sentence.
    assert np.allclose(vector[:4], [0.0677, 0.0635, 0.0487, 0.0793], atol=1e-3)
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


SENTENCES = [
    "This is an example sentence",
    "How do I reset my password?",
    "I forgot my password and cannot log in",
    "What is the weather in Paris?",
    "why was i charged twice for my order??",
    "x",
]


def test_the_int8_onnx_encoder_stays_within_quantisation_noise_of_the_reference(numpy_encoder):
    encoder = load_encoder(MODEL)
    assert encoder.runtime == "onnx-int8" and encoder.fingerprint != numpy_encoder.fingerprint
    cosine = (encoder.encode(SENTENCES) * numpy_encoder.encode(SENTENCES)).sum(axis=1)
    assert cosine.min() > 0.98, cosine


@pytest.mark.parametrize("runtime", ["onnx", "numpy"])
def test_paraphrases_are_closer_than_unrelated_sentences_and_batching_changes_nothing(runtime, numpy_encoder):
    encoder = load_encoder(MODEL) if runtime == "onnx" else numpy_encoder
    vectors = encoder.encode(SENTENCES)
    assert float(vectors[1] @ vectors[2]) > 0.6 > 0.2 > float(vectors[1] @ vectors[3])
    for i, sentence in enumerate(SENTENCES):  # padding and neighbours do not leak into a sentence's vector
        assert np.allclose(vectors[i], encoder.encode([sentence])[0], atol=1e-5)


def test_an_unknown_runtime_is_a_clear_error():
    with pytest.raises(EmbeddingModelError, match="unknown embedding runtime"):
        SentenceEncoder(resolve_model_dir(MODEL), runtime="gpu")


@pytest.fixture(scope="module")
def embedding_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture(scope="module")
def embedding_kb(demo_kb_dir, embedding_cache) -> KnowledgeBase:
    return KnowledgeBase.build(load_articles(demo_kb_dir), embedding_model=MODEL, cache_dir=embedding_cache)


def test_embeddings_find_paraphrases_without_shared_words(embedding_kb):
    kb = embedding_kb
    result = kb.search("my shipment is late", language="en")
    assert result.top.article_id == "track-order" and result.decision in ("answer", "clarify")
    assert kb.search("what's a good lasagna recipe", language="en").decision == "abstain"
    # all-MiniLM-L6-v2 is English-only: Hebrew keeps the lexical engine and still answers.
    assert kb.search("שכחתי סיסמה", language="he").top.article_id == "reset-password-he"


def test_article_embeddings_are_cached_between_builds(embedding_kb, demo_kb_dir, embedding_cache):
    articles = load_articles(demo_kb_dir)
    files = {p: p.stat().st_mtime_ns for p in embedding_cache.rglob("*.npy")}
    english = sum(1 for a in articles if a.language == "en")
    assert len(files) == english + 1  # one per English article, plus the built-in off-topic questions
    rebuilt = KnowledgeBase.build(articles, embedding_model=MODEL, cache_dir=embedding_cache)
    assert {p: p.stat().st_mtime_ns for p in embedding_cache.rglob("*.npy")} == files
    assert rebuilt.search("my shipment is late", "en").top == embedding_kb.search("my shipment is late", "en").top


def test_bench_runs_the_recommended_embedding_configuration(tmp_path, capsys, monkeypatch):
    from bot.kb.cli import bench_main
    from tests.bot.kb.kb_articles import INTENTS, write_csv

    monkeypatch.setenv("EFFORTLESS_VAR_DIR", str(tmp_path / "var"))
    train = write_csv(tmp_path / "train.csv", [(q, label) for label, qs in INTENTS.items() for q in qs])
    test = write_csv(tmp_path / "test.csv", [("my card never came", "card_arrival"), ("what's the rate for euros", "exchange_rate"),
                                           ("sing me a song", "oos")])
    assert bench_main(["--train", str(train), "--test", str(test), "--oos-label", "oos", "--embedding-model", MODEL]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["embedding_model"] == MODEL
    assert result["hit_at_1"] == 1.0 and result["oos_recall"] == 1.0
