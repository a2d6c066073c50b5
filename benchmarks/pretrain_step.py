"""MLM train-step speed: tfnlp's BertPretrainer against keras-hub's BertMaskedLM.

Both models get the same architecture (bert_tiny, bert_mini), the same batch
of masked inputs, the same optimizer and XLA setting; each runs in the same
process, and we report tfnlp's steps/s divided by keras-hub's (> 1 means we
are faster).

Run:
    python benchmarks/pretrain_step.py [--presets=bert_tiny,bert_mini]
        [--batch_size=32] [--seq_length=128] [--steps=30]
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import json  # noqa: E402

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from tfnlp.models.bert.backbone import BertEncoder  # noqa: E402
from tfnlp.models.bert.presets import get_preset_config  # noqa: E402
from tfnlp.models.bert.pretrainer import BertPretrainer  # noqa: E402

FLAGS = flags.DEFINE_string("presets", "bert_tiny,bert_mini", "Comma-separated presets.")
BATCH = flags.DEFINE_integer("batch_size", 32, "Batch size.")
SEQ = flags.DEFINE_integer("seq_length", 128, "Sequence length.")
STEPS = flags.DEFINE_integer("steps", 30, "Timed steps per model (after warm-up).")
VOCAB = flags.DEFINE_integer("vocab_size", 30522, "Vocabulary size (BERT uncased).")


def _batch(batch, seq, vocab, predictions, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, vocab, (batch, seq)).astype("int32")
    positions = np.sort(
        np.stack([rng.choice(np.arange(1, seq), predictions, replace=False) for _ in range(batch)]),
        axis=1,
    ).astype("int32")
    return {
        "token_ids": ids,
        "segment_ids": np.zeros_like(ids),
        "padding_mask": np.ones_like(ids),
        "masked_lm_positions": positions,
        "masked_lm_ids": np.take_along_axis(ids, positions, 1),
        "masked_lm_weights": np.ones((batch, predictions), "float32"),
    }


def _steps_per_second(model, x, y, sample_weight, steps):
    data = tf.data.Dataset.from_tensors((x, y, sample_weight)).repeat()
    model.fit(data, steps_per_epoch=3, epochs=1, verbose=0)  # trace + warm up
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps / (time.perf_counter() - start)


def _tfnlp_model(config, vocab):
    encoder = BertEncoder(vocabulary_size=vocab, **config)
    model = BertPretrainer(encoder, use_nsp=False)
    model.compile_for_pretraining(keras.optimizers.Adam(1e-4), jit_compile=False)
    return model


def _keras_hub_model(config, vocab):
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=vocab,
        num_layers=config["num_layers"],
        num_heads=config["num_heads"],
        hidden_dim=config["hidden_dim"],
        intermediate_dim=config["intermediate_dim"],
        max_sequence_length=config["max_sequence_length"],
    )
    model = keras_hub.models.BertMaskedLM(backbone=backbone, preprocessor=None)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy()],
        jit_compile=False,
    )
    return model


def main(_):
    predictions = round(0.15 * SEQ.value)
    features = _batch(BATCH.value, SEQ.value, VOCAB.value, predictions)
    results = []
    for preset in FLAGS.value.split(","):
        config = get_preset_config(preset)
        ours = _tfnlp_model(config, VOCAB.value)
        x, y, sw = BertPretrainer.split_features(features)
        ours_sps = _steps_per_second(ours, x, y, sw, STEPS.value)
        theirs = _keras_hub_model(config, VOCAB.value)
        hub_x = {
            "token_ids": features["token_ids"],
            "segment_ids": features["segment_ids"],
            "padding_mask": features["padding_mask"],
            "mask_positions": features["masked_lm_positions"],
        }
        theirs_sps = _steps_per_second(
            theirs, hub_x, features["masked_lm_ids"], features["masked_lm_weights"], STEPS.value
        )
        row = {
            "preset": preset,
            "batch_size": BATCH.value,
            "seq_length": SEQ.value,
            "tfnlp_steps_per_s": round(ours_sps, 3),
            "keras_hub_steps_per_s": round(theirs_sps, 3),
            "ratio_tfnlp_over_keras_hub": round(ours_sps / theirs_sps, 3),
        }
        results.append(row)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    app.run(main)
