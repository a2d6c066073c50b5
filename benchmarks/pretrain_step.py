"""MLM train-step speed: tfnlp's trainer step against keras-hub's `BertMaskedLM` at its best.

Both models get the same architecture (bert_tiny, bert_mini), vocabulary
(30,522), batch of masked inputs (15% of positions) and the same optimizer
work: AdamW (weight decay 0.01, none on LayerNorm and bias, epsilon 1e-6)
with global-norm clipping at 1.0 and a warmup + linear-decay rate.

- tfnlp: `BertPretrainer` (MLM objective, no NSP) compiled exactly as
  `tfnlp pretrain` compiles it for a default 1,000-step run
  (`tfnlp.pretraining.builder`: `create_optimizer("adamw", ...)`, XLA per
  `resolve_jit_compile`).
- keras-hub: `BertMaskedLM` with its own loss and weighted accuracy, timed
  both with `jit_compile=True` and `False`; the faster one is its best and
  the ratio is taken against that.

All models live in one process and are timed in interleaved rounds (A, B,
C, A, B, C, ...), `--steps` steps each; we report the median steps/s per
model, the median CPU seconds per step (less sensitive to a loaded
machine), and tfnlp's steps/s divided by keras-hub's best (> 1: tfnlp is
faster).

Run:
    python benchmarks/pretrain_step.py [--presets=bert_tiny,bert_mini]
        [--batch_size=32] [--seq_length=128] [--steps=10] [--rounds=3]
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import json  # noqa: E402
import statistics  # noqa: E402

import keras  # noqa: E402
import keras_hub  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402
from synthetic_mlm import synthetic_mlm_batch  # noqa: E402

from tfnlp.models.bert.backbone import BertEncoder  # noqa: E402
from tfnlp.models.bert.presets import get_preset_config  # noqa: E402
from tfnlp.models.bert.pretrainer import BertPretrainer  # noqa: E402
from tfnlp.optimizers import create_optimizer  # noqa: E402
from tfnlp.pretraining.builder import resolve_jit_compile  # noqa: E402
from tfnlp.pretraining.run_config import PretrainConfig  # noqa: E402

PRESETS = flags.DEFINE_string("presets", "bert_tiny,bert_mini", "Comma-separated presets.")
BATCH = flags.DEFINE_integer("batch_size", 32, "Batch size.")
SEQ = flags.DEFINE_integer("seq_length", 128, "Sequence length.")
STEPS = flags.DEFINE_integer("steps", 10, "Timed steps per model per round.")
ROUNDS = flags.DEFINE_integer("rounds", 3, "Interleaved rounds (medians are reported).")
VOCAB = flags.DEFINE_integer("vocab_size", 30522, "Vocabulary size (BERT uncased).")
RUN_STEPS = 1000  # the run length whose trainer settings tfnlp is timed with
LEARNING_RATE = 1e-4


def _tfnlp_model(config, vocab):
    """Compiled as the trainer compiles a 1,000-step MLM run."""
    run = PretrainConfig(model_dir="unused", steps=RUN_STEPS, objective="mlm")
    encoder = BertEncoder(vocabulary_size=vocab, **config)
    model = BertPretrainer(encoder, use_nsp=False)
    optimizer = create_optimizer(run.optimizer, LEARNING_RATE, total_steps=RUN_STEPS,
                                 warmup_steps=RUN_STEPS // 10, weight_decay=run.weight_decay)
    model.compile_for_pretraining(optimizer, jit_compile=resolve_jit_compile(run, model))
    return model


def _keras_hub_model(config, vocab, jit_compile):
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=vocab,
        num_layers=config["num_layers"],
        num_heads=config["num_heads"],
        hidden_dim=config["hidden_dim"],
        intermediate_dim=config["intermediate_dim"],
        max_sequence_length=config["max_sequence_length"],
    )
    model = keras_hub.models.BertMaskedLM(backbone=backbone, preprocessor=None)
    schedule = keras.optimizers.schedules.PolynomialDecay(
        LEARNING_RATE, RUN_STEPS, end_learning_rate=0.0)
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=0.01, epsilon=1e-6,
                                       global_clipnorm=1.0)
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy()],
        jit_compile=jit_compile,
    )
    return model


def _timed(model, data, steps):
    """(steps/s, CPU seconds per step) of `steps` fit steps."""
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return steps / wall, cpu / steps


def _models(config, features):
    x, y, sw = BertPretrainer.split_features(features)
    hub_x = {
        "token_ids": features["token_ids"],
        "segment_ids": features["segment_ids"],
        "padding_mask": features["padding_mask"],
        "mask_positions": features["masked_lm_positions"],
    }
    hub_data = (hub_x, features["masked_lm_ids"], features["masked_lm_weights"])
    ours = _tfnlp_model(config, VOCAB.value)
    return {
        "tfnlp": (ours, (x, y, sw), bool(ours.jit_compile)),
        "keras_hub_xla": (_keras_hub_model(config, VOCAB.value, True), hub_data, True),
        "keras_hub_graph": (_keras_hub_model(config, VOCAB.value, False), hub_data, False),
    }


def main(_):
    predictions = round(0.15 * SEQ.value)
    features = synthetic_mlm_batch(BATCH.value, SEQ.value, VOCAB.value, predictions)
    for preset in PRESETS.value.split(","):
        models = {}
        for name, (model, arrays, xla) in _models(get_preset_config(preset), features).items():
            data = tf.data.Dataset.from_tensors(arrays).repeat()
            start = time.perf_counter()
            model.fit(data, steps_per_epoch=2, epochs=1, verbose=0)  # trace/compile + warm up
            models[name] = (model, data, xla, time.perf_counter() - start)
        speed = {name: [] for name in models}
        cpu = {name: [] for name in models}
        for _ in range(ROUNDS.value):
            for name, (model, data, _, _) in models.items():
                sps, cps = _timed(model, data, STEPS.value)
                speed[name].append(sps)
                cpu[name].append(cps)
        median = {name: statistics.median(v) for name, v in speed.items()}
        cpu_median = {name: statistics.median(v) for name, v in cpu.items()}
        best = max(("keras_hub_xla", "keras_hub_graph"), key=median.get)
        row = {"preset": preset, "batch_size": BATCH.value, "seq_length": SEQ.value,
               "steps": STEPS.value, "rounds": ROUNDS.value,
               "tfnlp_xla": models["tfnlp"][2], "keras_hub_best": best}
        for name in models:
            row[f"{name}_steps_per_s"] = round(median[name], 3)
            row[f"{name}_cpu_s_per_step"] = round(cpu_median[name], 3)
            row[f"{name}_first_2_steps_s"] = round(models[name][3], 1)
        row["ratio_tfnlp_over_keras_hub_best"] = round(median["tfnlp"] / median[best], 3)
        for name in ("keras_hub_xla", "keras_hub_graph"):
            # CPU seconds per step: the work each step costs, which a loaded
            # machine's scheduling (wall time) hides; > 1: tfnlp does less.
            row[f"cpu_ratio_{name}_over_tfnlp"] = round(cpu_median[name] / cpu_median["tfnlp"], 3)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    app.run(main)
