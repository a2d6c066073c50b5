"""BERT MLM training-step speed on an accelerator: tfnlp's model code on JAX, seq/s and MFU.

Times the masked-LM training step of tfnlp's `BertPretrainer` (the
`BertEncoder` + tied MLM head, no NSP) under `KERAS_BACKEND=jax`: `fit`
with a `jax.jit`-compiled step, the `mixed_bfloat16` policy (bf16 matmuls,
float32 weights and optimizer state) and tfnlp's AdamW (BERT's settings:
warmup + linear decay, weight decay 0.01 off LayerNorm/bias, global-norm
clipping at 1.0). Defaults are BERT-base (12 layers, 768 hidden, 12 heads,
3072 intermediate, vocab 30522) at seq 128 / batch 256 and seq 512 / batch
64, with BERT's 15% of positions predicted (20 at 128, 77 at 512).

Data is synthetic: uniform random token ids, all positions real, random
distinct masked positions, made with numpy. With synthetic data the script
never imports TensorFlow (it makes TensorFlow look uninstalled, as on a
machine without it), so it runs where
only JAX (and PyTorch) is installed; carry keras and keras-hub wheels.

MFU counts the encoder only: the training FLOPs of one sequence are
    6 * N * seq  +  12 * L * seq^2 * hidden
where N = L * (4 * hidden^2 + 2 * hidden * intermediate) is the number of
encoder matmul weights (Q, K, V, output projections and the two
feed-forward matrices; embeddings, pooler and MLM head left out), 6 = 2
FLOPs per multiply-add x 3 (forward, backward for inputs, backward for
weights), and the second term is the attention score and context matmuls
(2 * 2 * seq^2 * hidden per layer forward, x3). MFU = FLOPs/seq x seq/s /
peak, the peak being 989e12 (H200 dense bf16) unless `--peak_tflops` says
otherwise. The same formula is applied to every runner, so MFU ratios are
seq/s ratios.

Peers (`--peers=keras_hub,hf`), timed in the same process with the same
shapes, their repeats interleaved with ours (A/B/A/B, medians):
- `keras_hub`: `keras_hub.models.BertMaskedLM` on the same backend, same
  dtype policy, `fit` with Keras's AdamW (keras-hub's recommended loop);
- `hf`: Hugging Face `BertForMaskedLM` in PyTorch, `torch.compile`d, bf16
  autocast, fused AdamW, SDPA attention, labels on the masked positions
  only (-100 elsewhere), the loop of HF's Trainer with `torch_compile=True`.
  JAX is then told not to preallocate most of the accelerator's memory.

Shrink it for a CPU check:
    KERAS_BACKEND=jax python benchmarks/gpu_pretrain.py --preset=bert_tiny \\
        --shapes=64x8 --steps=5 --repeats=2 [--peers=keras_hub]
On one H200:
    KERAS_BACKEND=jax python benchmarks/gpu_pretrain.py --peers=keras_hub,hf

Prints one line per runner and shape and, last, one JSON line with every number.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

BLOCKED = ("tensorflow", "tensorflow_text", "tensorflow_hub", "tf_keras")
H200_BF16_PEAK_TFLOPS = 989.0
MASKED_LM_PROB = 0.15  # BERT's; P = ceil(0.15 * seq), as tfnlp.text.masking


def block_tensorflow():
    """Makes TensorFlow look uninstalled: `import tensorflow` (and tf-text,
    TF-Hub, tf_keras) raises ImportError and `importlib.util.find_spec`
    returns None, as on a machine without it (a `None` entry in
    `sys.modules` does both)."""
    loaded = [m for m in BLOCKED if sys.modules.get(m) is not None]
    if loaded:
        raise RuntimeError(f"{loaded} already imported")
    for name in BLOCKED:
        sys.modules[name] = None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="bert_base", help="tfnlp BERT preset.")
    parser.add_argument("--shapes", default="128x256,512x64",
                        help="Comma-separated SEQxBATCH shapes to time.")
    parser.add_argument("--seq", type=int, help="One sequence length (with --batch).")
    parser.add_argument("--batch", type=int, help="One batch size (with --seq).")
    parser.add_argument("--vocab_size", type=int, default=30522)
    parser.add_argument("--steps", type=int, default=50, help="Timed steps per repeat.")
    parser.add_argument("--warmup", type=int, default=5, help="Untimed steps after compiling.")
    parser.add_argument("--repeats", type=int, default=3, help="Timed repeats (median).")
    parser.add_argument("--dtype", default="mixed_bfloat16",
                        help="Keras dtype policy (HF: bf16 autocast unless float32).")
    parser.add_argument("--peers", default="", help="Comma-separated: keras_hub, hf.")
    parser.add_argument("--peak_tflops", type=float, default=H200_BF16_PEAK_TFLOPS)
    parser.add_argument("--allow_tensorflow", action="store_true",
                        help="Do not block TensorFlow imports.")
    args = parser.parse_args(argv)
    if (args.seq is None) != (args.batch is None):
        parser.error("give --seq and --batch together")
    if args.seq is not None:
        args.shapes = f"{args.seq}x{args.batch}"
    try:
        args.shapes = [tuple(int(v) for v in s.lower().split("x")) for s in args.shapes.split(",")]
    except ValueError:
        parser.error(f"--shapes={args.shapes!r}: use SEQxBATCH[,SEQxBATCH...]")
    args.peers = [p for p in args.peers.split(",") if p]
    for peer in args.peers:
        if peer not in ("keras_hub", "hf"):
            parser.error(f"--peers: unknown peer {peer!r} (keras_hub, hf)")
    for name in ("steps", "repeats", "vocab_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1")
    return args


def encoder_matmul_params(config):
    """Encoder matmul weights: L * (4 h^2 + 2 h i) (no embeddings, pooler, head)."""
    h, i = config["hidden_dim"], config["intermediate_dim"]
    return config["num_layers"] * (4 * h * h + 2 * h * i)


def train_flops_per_sequence(config, seq):
    """6 * N * seq + 12 * L * seq^2 * h: see the module docstring."""
    return (6 * encoder_matmul_params(config) * seq
            + 12 * config["num_layers"] * seq * seq * config["hidden_dim"])


def max_predictions(seq):
    return math.ceil(MASKED_LM_PROB * seq)


def synthetic_batch(batch, seq, vocab, seed=0):
    """A batch of random token ids with `max_predictions(seq)` masked positions."""
    from synthetic_mlm import synthetic_mlm_batch

    return synthetic_mlm_batch(batch, seq, vocab, max_predictions(seq), seed)


class KerasRunner:
    """Times `fit` steps of a compiled Keras model on one repeated batch."""

    def __init__(self, name, model, x, y, sample_weight, batch):
        self.name, self.model, self.batch = name, model, batch
        self.data = (x, y, sample_weight)

    def _fit(self, steps):
        import keras
        import numpy as np

        # `steps` copies of the batch; fit slices them in order.
        x, y, w = (keras.tree.map_structure(lambda a: np.concatenate([a] * steps), t)
                   for t in self.data)
        start = time.perf_counter()
        # keras.Model.fit itself: keras-hub's `BertMaskedLM.fit` first routes
        # arrays through grain or tf.data for its preprocessor, which is None
        # here (the inputs are model-ready), and neither may be installed.
        keras.Model.fit(self.model, x, y, sample_weight=w, batch_size=self.batch,
                        epochs=1, shuffle=False, verbose=0)
        # fit returns after its logs reached the host: every step has run.
        return time.perf_counter() - start

    def warm_up(self, steps):
        self._fit(max(1, steps))

    def seconds(self, steps):
        return self._fit(steps)


def tfnlp_runner(config, args, seq, batch):
    import keras

    from tfnlp.models.bert.backbone import BertEncoder
    from tfnlp.models.bert.pretrainer import BertPretrainer
    from tfnlp.optimizers import create_optimizer

    keras.utils.set_random_seed(0)
    encoder = BertEncoder(vocabulary_size=args.vocab_size,
                          **dict(config, max_sequence_length=max(seq, 512)))
    model = BertPretrainer(encoder, use_nsp=False)
    total = args.warmup + args.steps * args.repeats + 1
    model.compile_for_pretraining(
        create_optimizer("adamw", 1e-4, total_steps=10_000, warmup_steps=min(total, 1000)),
        jit_compile=True)
    x, y, w = BertPretrainer.split_features(synthetic_batch(batch, seq, args.vocab_size))
    return KerasRunner("tfnlp", model, x, y, w, batch)


def keras_hub_runner(config, args, seq, batch):
    import keras
    import keras_hub

    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=args.vocab_size, num_layers=config["num_layers"],
        num_heads=config["num_heads"], hidden_dim=config["hidden_dim"],
        intermediate_dim=config["intermediate_dim"], dropout=config["dropout"],
        max_sequence_length=max(seq, 512))
    model = keras_hub.models.BertMaskedLM(backbone=backbone, preprocessor=None)
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-4, weight_decay=0.01, epsilon=1e-6,
                                         global_clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy()], jit_compile=True)
    b = synthetic_batch(batch, seq, args.vocab_size)
    x = {"token_ids": b["token_ids"], "segment_ids": b["segment_ids"],
         "padding_mask": b["padding_mask"], "mask_positions": b["masked_lm_positions"]}
    return KerasRunner("keras_hub", model, x, b["masked_lm_ids"], b["masked_lm_weights"], batch)


class TorchRunner:
    """HF `BertForMaskedLM`, torch.compile'd, bf16 autocast, fused AdamW."""

    def __init__(self, config, args, seq, batch):
        import numpy as np
        import torch
        import transformers

        self.name, self.torch = "hf", torch
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        torch.manual_seed(0)
        hf_config = transformers.BertConfig(
            vocab_size=args.vocab_size, hidden_size=config["hidden_dim"],
            num_hidden_layers=config["num_layers"], num_attention_heads=config["num_heads"],
            intermediate_size=config["intermediate_dim"], hidden_act="gelu",
            max_position_embeddings=max(seq, 512), hidden_dropout_prob=config["dropout"],
            attention_probs_dropout_prob=config["dropout"], attn_implementation="sdpa")
        model = transformers.BertForMaskedLM(hf_config).to(self.device).train()
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01,
                                           eps=1e-6, fused=self.device == "cuda")
        self.model = torch.compile(model)
        self.dtype = torch.float32 if args.dtype == "float32" else torch.bfloat16
        b = synthetic_batch(batch, seq, args.vocab_size)
        labels = np.full_like(b["token_ids"], -100)
        np.put_along_axis(labels, b["masked_lm_positions"], b["masked_lm_ids"], 1)
        as_tensor = lambda a: torch.from_numpy(a).long().to(self.device)  # noqa: E731
        self.inputs = dict(input_ids=as_tensor(b["token_ids"]),
                           token_type_ids=as_tensor(b["segment_ids"]),
                           attention_mask=as_tensor(b["padding_mask"]),
                           labels=as_tensor(labels))

    def _step(self):
        torch = self.torch
        with torch.autocast(self.device, dtype=self.dtype, enabled=self.dtype != torch.float32):
            loss = self.model(**self.inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)

    def _sync(self):
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def warm_up(self, steps):
        for _ in range(max(1, steps) + 2):  # the first calls compile
            self._step()
        self._sync()

    def seconds(self, steps):
        self._sync()
        start = time.perf_counter()
        for _ in range(steps):
            self._step()
        self._sync()
        return time.perf_counter() - start


BUILDERS = {"tfnlp": tfnlp_runner, "keras_hub": keras_hub_runner, "hf": TorchRunner}


def time_shape(config, args, seq, batch, log):
    """Builds every runner for one shape, warms them up, times interleaved repeats."""
    runners = []
    for name in ["tfnlp"] + args.peers:
        start = time.perf_counter()
        runner = BUILDERS[name](config, args, seq, batch)
        runner.warm_up(args.warmup)
        log(f"  {name}: built, compiled and warmed up in {time.perf_counter() - start:.1f}s")
        runners.append(runner)
    rates = {r.name: [] for r in runners}
    for _ in range(args.repeats):
        for runner in runners:  # A/B/A/B
            rates[runner.name].append(batch * args.steps / runner.seconds(args.steps))
    flops = train_flops_per_sequence(config, seq)
    out = {}
    for name, values in rates.items():
        rate = statistics.median(values)
        out[name] = {"seq_per_s": round(rate, 2), "repeats": [round(v, 2) for v in values],
                     "mfu": round(flops * rate / (args.peak_tflops * 1e12), 6)}
    for name in args.peers:
        out[name]["tfnlp_speedup"] = round(out["tfnlp"]["seq_per_s"] / out[name]["seq_per_s"], 3)
    return out


def main(argv=None):
    args = parse_args(argv)
    if not args.allow_tensorflow:
        block_tensorflow()
    os.environ.setdefault("KERAS_BACKEND", "jax")
    if "hf" in args.peers:
        # Leave the accelerator's memory to share with PyTorch.
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    import keras

    from tfnlp.models.bert.presets import get_preset_config

    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    keras.config.set_dtype_policy(args.dtype)
    config = get_preset_config(args.preset)
    device = "cpu"
    if keras.backend.backend() == "jax":
        import jax

        device = f"{jax.devices()[0].platform}: {jax.devices()[0].device_kind}"
    report = {"backend": keras.backend.backend(), "device": device, "preset": args.preset,
              "dtype": args.dtype, "vocab_size": args.vocab_size,
              "encoder_matmul_params": encoder_matmul_params(config),
              "peak_tflops": args.peak_tflops,
              "flops_formula": "6*N*seq + 12*L*seq^2*hidden per sequence (encoder only)",
              "steps": args.steps, "repeats": args.repeats, "shapes": {}}
    log(f"{report['backend']} on {device}; {args.preset} {config['num_layers']}x"
        f"{config['hidden_dim']}; {args.dtype}; N={report['encoder_matmul_params']:,}")
    for seq, batch in args.shapes:
        log(f"seq {seq} batch {batch} ({max_predictions(seq)} predictions):")
        result = time_shape(config, args, seq, batch, log)
        report["shapes"][f"{seq}x{batch}"] = result
        for name, r in result.items():
            ratio = f", tfnlp x{r['tfnlp_speedup']}" if "tfnlp_speedup" in r else ""
            print(f"{name:>9} seq {seq:4d} batch {batch:4d}: {r['seq_per_s']:10.1f} seq/s  "
                  f"MFU {100 * r['mfu']:.2f}%{ratio}", flush=True)
    report["tensorflow_imported"] = any(sys.modules.get(m) is not None for m in BLOCKED)
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
