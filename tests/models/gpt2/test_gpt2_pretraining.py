"""causal_lm data (full blocks, next-token labels, determinism), training the
tiny GPT-2 (loss falls, beats the unigram), model dir round trip, errors."""

import numpy as np
import pytest
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.models.model_dir import load_model_dir, save_model_dir
from tfnlp.models.registry import get_family
from tfnlp.objectives import get_objective
from tfnlp.objectives.base import DataOptions

OPTIONS = DataOptions(seq_length=32, batch_size=16, heldout_fraction=0.1)


@pytest.fixture(scope="module")
def objective():
    return get_objective("causal_lm")


@pytest.fixture(scope="module")
def datasets(objective, gpt2_corpus, gpt2_tokenizer):
    train = objective.build_dataset(gpt2_corpus, gpt2_tokenizer, OPTIONS, "train", seed=3)
    heldout = objective.build_dataset(gpt2_corpus, gpt2_tokenizer, OPTIONS, "heldout", seed=4)
    return train, heldout


def _batches(ds, n):
    return [{k: v.numpy() for k, v in b.items()} for b in ds.take(n)]


def test_blocks_are_full_and_deterministic(objective, datasets, gpt2_corpus, gpt2_tokenizer):
    train, heldout = datasets
    first = _batches(train, 4)
    for batch in first:
        assert batch["token_ids"].shape == (16, 32)
        assert batch["padding_mask"].all() and batch["label_weights"].all()
        # Labels are the inputs shifted by one.
        np.testing.assert_array_equal(batch["labels"][:, :-1], batch["token_ids"][:, 1:])
    again = objective.build_dataset(gpt2_corpus, gpt2_tokenizer, OPTIONS, "train", seed=3)
    resumed = _batches(again.skip(2), 2)
    for a, b in zip(first[2:], resumed):
        np.testing.assert_array_equal(a["token_ids"], b["token_ids"])
    other = _batches(objective.build_dataset(gpt2_corpus, gpt2_tokenizer, OPTIONS, "train",
                                             seed=5), 1)
    assert not np.array_equal(other[0]["token_ids"], first[0]["token_ids"])
    # Held-out: all its text, the last block padded with weight 0.
    held = _batches(heldout, 100)
    eos = gpt2_tokenizer.end_of_text_id
    tokens = np.concatenate([b["labels"][b["label_weights"] > 0] for b in held])
    from tfnlp.text.corpus import read_documents

    n_docs = len(read_documents(gpt2_corpus))
    # One end-of-text after each held-out document.
    assert (tokens == eos).sum() == max(1, round(n_docs * OPTIONS.heldout_fraction))
    last = held[-1]
    assert last["label_weights"].sum() < last["label_weights"].size


@pytest.mark.slow
def test_train_evaluate_and_model_dir(objective, datasets, gpt2_tokenizer, tiny_config,
                                      tmp_path):
    import keras

    family = get_family("gpt2")
    keras.utils.set_random_seed(1)
    backbone = family.build_backbone(family.resolve_config("gpt2_tiny", tiny_config),
                                     gpt2_tokenizer.vocab_size)
    model = family.build_pretrainer(backbone, "causal_lm", {}, gpt2_tokenizer)
    model.compile_for_pretraining(keras.optimizers.Adam(1e-2))
    train, heldout = datasets
    before = objective.evaluate(model, heldout)
    history = model.fit(train.map(objective.split_features), steps_per_epoch=150, epochs=1,
                        verbose=0)
    logs = objective.canonical_metrics({k: v[-1] for k, v in history.history.items()})
    assert set(logs) == {"loss", "lm_accuracy"}
    after = objective.evaluate(model, heldout)
    assert after["heldout_loss"] < before["heldout_loss"] - 1.0
    assert after["heldout_perplexity"] == pytest.approx(np.exp(after["heldout_loss"]))
    # A trained LM beats the unigram model fitted on the training text.
    assert after["heldout_perplexity"] < after["unigram_baseline_perplexity"]
    assert before["unigram_baseline_perplexity"] == after["unigram_baseline_perplexity"]

    # Model dir round trip: same logits; the pretrainer comes back.
    save_model_dir(str(tmp_path / "m"), "gpt2", backbone, gpt2_tokenizer, pretrainer=model,
                   objective="causal_lm")
    loaded = load_model_dir(str(tmp_path / "m"), seq_length=32)
    x = next(iter(heldout.map(objective.split_features)))[0]
    np.testing.assert_allclose(ops.convert_to_numpy(loaded.build_pretrainer()(x)),
                               ops.convert_to_numpy(model(x)), atol=1e-5)
    assert loaded.tokenizer.asset_files().keys() == {"vocab.json", "merges.txt"}
    # The lm export head gives the same logits, beside the backbone outputs.
    head = family.export_heads(model)["lm"]
    out = head.fn(x)
    np.testing.assert_allclose(ops.convert_to_numpy(out["lm_logits"]),
                               ops.convert_to_numpy(model(x)), atol=1e-5)
    assert "pooled_output" in out


def test_errors(objective, gpt2_tokenizer, tiny_backbone, gpt2_corpus, tmp_path):
    family = get_family("gpt2")
    other = family.build_backbone(family.resolve_config("gpt2_tiny", {"hidden_dim": 32}), 77)
    with pytest.raises(TfnlpError, match="77 token ids but its tokenizer has 400"):
        family.build_pretrainer(other, "causal_lm", {}, gpt2_tokenizer)
    with pytest.raises(TfnlpError, match="objective 'mlm'"):
        family.build_pretrainer(tiny_backbone, "mlm", {}, gpt2_tokenizer)
    short = tmp_path / "short.txt"
    short.write_text("tiny text\n\nanother one\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match="less than one block"):
        objective.build_dataset(str(short), gpt2_tokenizer, OPTIONS, "train", seed=0)
