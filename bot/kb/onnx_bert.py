"""The BERT encoder layers as an ONNX Runtime graph with int8 weights, built in memory from the weights.

Why: in numpy a question's forward pass reads all 42 MB of float32 layer weights from memory and
takes about 10 ms on this project's 2-core target; ONNX Runtime's int8 matrix products read a
quarter of that (it fits in cache) and fuse the element-wise work, so a question encodes in
about 2 ms. The graph is written from the safetensors weights with ``onnx.helper`` (no torch, no
export step, no file on disk); the word-embedding lookup stays in numpy.

Quantisation is symmetric, per output column, on the weights only (activations are quantised
per call by ``DynamicQuantizeMatMul``), the scheme ONNX Runtime's own ``quantize_dynamic`` uses.
Embeddings move by about 0.01 in cosine distance; the KB's classifiers are trained on the same
encoder's output, so they see no shift.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

OPSET = 20  # LayerNormalization and Gelu are standard operators from here on
LayerWeights = tuple[np.ndarray, ...]


def quantize_columns(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights and one float scale per output column (``weight ≈ quantized * scale``)."""
    scale = np.abs(weight).max(axis=0) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    quantized = np.clip(np.rint(weight / scale), -127, 127).astype(np.int8)
    return quantized, scale


class _GraphWriter:
    def __init__(self):
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def constant(self, hint: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], hint: str, domain: str = "", **attributes) -> str:
        from onnx import helper

        output = self.name(hint)
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], domain=domain, **attributes))
        return output

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray, hint: str) -> str:
        """``x @ weight + bias`` with int8 weights (weight: in × out)."""
        quantized, scale = quantize_columns(weight)
        return self.op(
            "DynamicQuantizeMatMul",
            [x, self.constant(hint + "_w", quantized), self.constant(hint + "_scale", scale), "",
             self.constant(hint + "_b", bias.astype(np.float32))],
            hint,
            domain="com.microsoft",
        )

    def layer_norm(self, x: str, weight: np.ndarray, bias: np.ndarray, eps: float, hint: str) -> str:
        return self.op(
            "LayerNormalization", [x, self.constant(hint + "_g", weight), self.constant(hint + "_b", bias)], hint,
            axis=-1, epsilon=eps,
        )


def build_encoder_graph(layers: list[LayerWeights], heads: int, hidden: int, eps: float) -> bytes:
    """A serialized ONNX model: ``hidden`` (batch × length × hidden, the normalised input embeddings)
    and ``attention_bias`` (batch × 1 × 1 × length: 0 for tokens, -1e9 for padding) → ``output``
    (batch × length × hidden), the last layer's states. ``layers`` as built by ``SentenceEncoder``."""
    from onnx import TensorProto, helper

    g = _GraphWriter()
    head_dim = hidden // heads
    split_heads = g.constant("split_heads", np.array([0, 0, heads, head_dim], dtype=np.int64))
    merge_heads = g.constant("merge_heads", np.array([0, 0, hidden], dtype=np.int64))
    scale = g.constant("scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))
    x = "hidden"
    for i, (qkv_w, qkv_b, out_w, out_b, ln1_w, ln1_b, in_w, in_b, ff_w, ff_b, ln2_w, ln2_b) in enumerate(layers):
        p = f"layer{i}"
        projections = []
        for j, (role, perm) in enumerate((("q", [0, 2, 1, 3]), ("k", [0, 2, 3, 1]), ("v", [0, 2, 1, 3]))):
            columns = slice(j * hidden, (j + 1) * hidden)
            projected = g.linear(x, qkv_w[:, columns], qkv_b[columns], f"{p}_{role}")
            projections.append(g.op("Transpose", [g.op("Reshape", [projected, split_heads], f"{p}_{role}_heads")], f"{p}_{role}_t", perm=perm))
        q, k_t, v = projections
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k_t], f"{p}_qk"), scale], f"{p}_scaled"), "attention_bias"], f"{p}_masked")
        context = g.op("MatMul", [g.op("Softmax", [scores], f"{p}_softmax", axis=-1), v], f"{p}_context")
        merged = g.op("Reshape", [g.op("Transpose", [context], f"{p}_context_t", perm=[0, 2, 1, 3]), merge_heads], f"{p}_merged")
        attended = g.op("Add", [x, g.linear(merged, out_w, out_b, f"{p}_out")], f"{p}_residual1")
        x = g.layer_norm(attended, ln1_w, ln1_b, eps, f"{p}_ln1")
        intermediate = g.op("Gelu", [g.linear(x, in_w, in_b, f"{p}_in")], f"{p}_gelu")
        x = g.layer_norm(g.op("Add", [x, g.linear(intermediate, ff_w, ff_b, f"{p}_ff")], f"{p}_residual2"), ln2_w, ln2_b, eps, f"{p}_ln2")
    g.nodes.append(helper.make_node("Identity", [x], ["output"]))
    graph = helper.make_graph(
        g.nodes,
        "sentence_encoder",
        [
            helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", hidden]),
            helper.make_tensor_value_info("attention_bias", TensorProto.FLOAT, ["batch", 1, 1, "length"]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", "length", hidden])],
        g.initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    )
    model.ir_version = 9
    return model.SerializeToString()


class OnnxEncoderLayers:
    """Runs the encoder layers in ONNX Runtime; one session, safe to call from many threads at once.

    Single-threaded per call: a question's matrices are too small to split, and conversations run in
    parallel threads of their own."""

    def __init__(self, layers: list[LayerWeights], heads: int, hidden: int, eps: float):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(
            build_encoder_graph(layers, heads, hidden, eps), options, providers=["CPUExecutionProvider"]
        )

    def __call__(self, hidden: np.ndarray, attention_bias: np.ndarray) -> np.ndarray:
        [output] = self._session.run(None, {"hidden": hidden, "attention_bias": attention_bias})
        return output
