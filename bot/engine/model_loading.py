"""Rasa's NLU model loaded for answering only: 300 MB less resident memory per Rasa process.

Rasa 3.6 (``RasaModel.load``) builds a trained model's variables by *training it on one example*
(``model.fit``) before loading the trained weights over them. That traces the whole training step
(forward pass, gradients, Adam and its slot variables) and keeps it: about 310 of the Rasa
process's 905 MB (docs/performance.md), for a server that never trains.

:func:`install` builds the variables with the forward pass that answering uses instead, loads
the trained weights into them, and then traces the prediction step again, so that the label
embeddings it captures are the trained ones. The prediction graph and weights are those of Rasa's
own load, so every prediction is the same (``tests/bot/engine/test_model_loading.py`` compares
both loads on the shipped NLU data). ``rasa train --finetune`` (``finetune_mode``) keeps Rasa's
load: it needs the optimizer.

``jax`` is kept out of the process too: TensorFlow imports it only to convert JAX models
(``tensorflow.lite``), and handles its absence; it is 64 MB of the Rasa process.
"""
from __future__ import annotations

import sys
from typing import Any

RASA_LOAD = "_effortless_rasa_load"
"""Where :func:`install` keeps Rasa's own ``RasaModel.load`` (for finetuning, and for the tests)."""


def keep_jax_out() -> None:
    """Make ``import jax`` fail, as it would without jax installed; only before TensorFlow is imported."""
    if "tensorflow" in sys.modules:
        raise RuntimeError("keep_jax_out() must run before TensorFlow is imported")
    sys.modules.setdefault("jax", None)  # type: ignore[arg-type]  # None in sys.modules: ImportError


def install() -> None:
    """Replace ``RasaModel.load`` by :func:`load_for_prediction` (fails loudly if Rasa changed)."""
    from rasa.utils.tensorflow.models import RasaModel

    rasa_load = RasaModel.__dict__.get("load")
    if not isinstance(rasa_load, classmethod):
        raise RuntimeError("rasa.utils.tensorflow.models.RasaModel.load is not the classmethod this patch expects")
    if not hasattr(RasaModel, RASA_LOAD):
        setattr(RasaModel, RASA_LOAD, rasa_load)
    RasaModel.load = classmethod(load_for_prediction)


def load_for_prediction(
    cls: Any,
    model_file_name: str,
    model_data_example: Any,
    predict_data_example: Any = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``RasaModel.load`` without the training step: same arguments, same loaded model for prediction."""
    if finetune_mode or predict_data_example is None:
        return getattr(cls, RASA_LOAD).__func__(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
        )
    model = cls(*args, **kwargs)
    model.compile(run_eagerly=kwargs.get("config", {}).get("run_eagerly"))
    model.run_inference(predict_data_example)  # creates the variables prediction uses (random values)
    # The checkpoint also holds the optimizer's slots and training-only layers: not restored, on purpose.
    model.load_weights(model_file_name).expect_partial()
    model.prepare_for_predict()  # the label embeddings, now from the trained weights
    model._tf_predict_step = None  # the first trace captured the random label embeddings
    model.run_inference(predict_data_example)  # trace it again (Rasa's load ends with this call too)
    return model
