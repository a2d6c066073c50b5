"""Cached generation and causal-LM train step: tfnlp's GPT-2 against HF and keras-hub.

One GPT-2 config and one set of weights for all three: a random
`transformers.GPT2LMHeadModel` is saved and imported with tfnlp's HF
converter; keras-hub's `GPT2Backbone` of the same shape gets the same
weights (checked: equal logits). Then, for batch 1 and 8 (prompt 32 ids,
64 new, greedy, no early stop), tokens/s of

- tfnlp `Generator.generate_ids` (key/value cache, compiled loop),
- HF `generate(do_sample=False)` (CPU torch, KV cache),
- keras-hub `GPT2CausalLM.generate` (its cached sampler loop),

and the time of one causal-LM train step (batch 8, seq 128) of tfnlp's
`Gpt2CausalLM` against keras-hub's `GPT2CausalLM`. Prints each number and
the ratios; the last line is JSON.

    python3 benchmarks/generate.py [--layers=4 --hidden=256 --heads=4 --repeats=3]
"""

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

PROMPT, NEW = 32, 64


def _best(fn, repeats):
    fn()  # warm-up: tracing / compiling
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=50257)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jit_compile", action="store_true", help="XLA for tfnlp's loop")
    args = parser.parse_args()

    import keras
    import keras_hub
    import torch
    import transformers

    from tfnlp.models.gpt2.generation import Generator
    from tfnlp.models.gpt2.hf_converter import CONVERTER
    from tfnlp.text.bpe import gpt2_bpe_files

    torch.manual_seed(0)
    config = transformers.GPT2Config(n_layer=args.layers, n_embd=args.hidden,
                                     n_head=args.heads, n_positions=PROMPT + NEW + 32,
                                     vocab_size=args.vocab)
    hf = transformers.GPT2LMHeadModel(config).eval()
    folder = tempfile.mkdtemp(prefix="gpt2_bench_")
    hf.save_pretrained(folder, safe_serialization=True)
    bpe = gpt2_bpe_files()
    for name in ("vocab.json", "merges.txt"):
        with open(os.path.join(bpe, name), "rb") as src, \
                open(os.path.join(folder, name), "wb") as dst:
            dst.write(src.read())
    ours = CONVERTER.load(folder, with_heads=True)
    backbone = ours.backbone
    kh_backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=args.vocab, num_layers=args.layers, num_heads=args.heads,
        hidden_dim=args.hidden, intermediate_dim=4 * args.hidden,
        max_sequence_length=PROMPT + NEW + 32, dropout=0.0)
    kh_backbone.set_weights(backbone.get_weights())
    kh = keras_hub.models.GPT2CausalLM(backbone=kh_backbone, preprocessor=None)

    rng = np.random.default_rng(0)
    ids = rng.integers(0, args.vocab, (8, PROMPT)).astype(np.int32)
    x = {"token_ids": ids, "segment_ids": 0 * ids, "padding_mask": np.ones_like(ids)}
    our_logits = keras.ops.convert_to_numpy(ours.pretrainer(x))
    kh_logits = keras.ops.convert_to_numpy(kh({"token_ids": ids, "padding_mask": ids > -1}))
    with torch.no_grad():
        hf_logits = hf(torch.tensor(ids, dtype=torch.long)).logits.numpy()
    results = {"config": vars(args), "max_abs_diff_vs_hf": float(np.abs(our_logits - hf_logits).max()),
               "max_abs_diff_vs_keras_hub": float(np.abs(our_logits - kh_logits).max())}
    print(f"logits max-abs-diff: vs HF {results['max_abs_diff_vs_hf']:.2e}, "
          f"vs keras-hub {results['max_abs_diff_vs_keras_hub']:.2e}", flush=True)

    generator = Generator(backbone, jit_compile=args.jit_compile)
    for batch in (1, 8):
        prompts = ids[:batch]
        buffer = np.zeros((batch, PROMPT + NEW), np.int32)
        buffer[:, :PROMPT] = prompts
        mask = np.zeros_like(buffer, bool)
        mask[:, :PROMPT] = True
        ours_new = generator.generate_ids(prompts.tolist(), NEW)
        with torch.no_grad():
            hf_new = hf.generate(torch.tensor(prompts, dtype=torch.long), max_new_tokens=NEW,
                                 do_sample=False, eos_token_id=None, pad_token_id=0,
                                 attention_mask=torch.ones(batch, PROMPT, dtype=torch.long))
        same = hf_new[:, PROMPT:].tolist() == ours_new
        t_ours = _best(lambda: generator.generate_ids(prompts.tolist(), NEW), args.repeats)

        def run_hf():
            with torch.no_grad():
                hf.generate(torch.tensor(prompts, dtype=torch.long), max_new_tokens=NEW,
                            do_sample=False, eos_token_id=None, pad_token_id=0,
                            attention_mask=torch.ones(batch, PROMPT, dtype=torch.long))

        t_hf = _best(run_hf, args.repeats)
        t_kh = _best(lambda: kh.generate({"token_ids": buffer, "padding_mask": mask},
                                         stop_token_ids=None), args.repeats)
        row = {"tfnlp_tokens_per_s": batch * NEW / t_ours, "hf_tokens_per_s": batch * NEW / t_hf,
               "keras_hub_tokens_per_s": batch * NEW / t_kh, "greedy_equal_to_hf": same}
        row["ratio_vs_hf"] = row["tfnlp_tokens_per_s"] / row["hf_tokens_per_s"]
        row["ratio_vs_keras_hub"] = row["tfnlp_tokens_per_s"] / row["keras_hub_tokens_per_s"]
        results[f"batch_{batch}"] = row
        print(f"batch {batch}: tfnlp {row['tfnlp_tokens_per_s']:.0f} tok/s, HF "
              f"{row['hf_tokens_per_s']:.0f}, keras-hub {row['keras_hub_tokens_per_s']:.0f}; "
              f"ratio vs HF {row['ratio_vs_hf']:.2f}, vs keras-hub "
              f"{row['ratio_vs_keras_hub']:.2f}; greedy == HF: {same}", flush=True)

    # One causal-LM train step, batch 8 x seq 128 (same model, same data).
    seq = 128
    tokens = rng.integers(0, args.vocab, (8, seq + 1)).astype(np.int32)
    ours.pretrainer.compile_for_pretraining(keras.optimizers.Adam(1e-4))
    ours_x = {"token_ids": tokens[:, :-1], "segment_ids": 0 * tokens[:, :-1],
              "padding_mask": np.ones_like(tokens[:, :-1])}
    weights = np.ones_like(tokens[:, 1:], np.float32)
    t_ours = _best(lambda: ours.pretrainer.train_on_batch(ours_x, tokens[:, 1:], weights),
                   args.repeats)
    kh.compile(optimizer=keras.optimizers.Adam(1e-4),
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
               weighted_metrics=[keras.metrics.SparseCategoricalAccuracy()])
    kh_x = {"token_ids": tokens[:, :-1], "padding_mask": np.ones_like(tokens[:, :-1], bool)}
    t_kh = _best(lambda: kh.train_on_batch(kh_x, tokens[:, 1:], weights), args.repeats)
    results["train_step"] = {"tfnlp_s": t_ours, "keras_hub_s": t_kh,
                             "ratio_keras_hub_over_tfnlp": t_kh / t_ours}
    print(f"train step (8 x {seq}): tfnlp {t_ours * 1000:.0f} ms, keras-hub "
          f"{t_kh * 1000:.0f} ms; speed ratio {t_kh / t_ours:.2f}", flush=True)
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
