"""`tfnlp finetune` on static embeddings: a word2vec run dir and its text-embedding module."""

import collections
import json

import numpy as np
import pytest

from tfnlp.cli.main import main
from tfnlp.errors import TfnlpError
from tfnlp.tasks.runner import FinetuneConfig, finetune
from tfnlp.tasks.saved_task import load_saved_task

FAST = dict(epochs=12, learning_rate=3e-2, seq_length=32, batch_size=32, verbose=False)


def _majority(path):
    labels = collections.Counter(json.loads(line)["label"] for line in open(path))
    return max(labels.values()) / sum(labels.values())


def test_classification_on_the_text_embedding_module(w2v_run, lexnames, tmp_path, capsys):
    majority = _majority(lexnames["eval"])
    out = str(tmp_path / "module_clf")
    assert main(["tfnlp", "finetune", f"--encoder={w2v_run['hub']}", "--task=classification",
                 f"--train={lexnames['train']}", f"--eval={lexnames['eval']}",
                 f"--output={out}", "--epochs=12",
                 "--seq_length=32"]) == 0
    out_err = capsys.readouterr()
    metrics = json.loads(out_err.out.strip().splitlines()[-1])
    assert "lr 0.03," in out_err.err  # the static family's default rate
    assert metrics["accuracy"] > majority + 0.1, (metrics, majority)
    saved = load_saved_task(out)
    assert saved.info["tokenizer_kind"] == "text"
    assert saved.evaluate(lexnames["eval"])["accuracy"] == pytest.approx(metrics["accuracy"])
    # the serving model takes strings (the module tokenizes them in-graph)
    import tensorflow as tf

    serving = tf.saved_model.load(f"{out}/serving")
    logits = serving.signatures["serving_default"](
        text=tf.constant(["a domestic animal", "zzqx unknownword"]))["logits"].numpy()
    assert logits.shape == (2, len(lexnames["labels"])) and np.isfinite(logits).all()
    with pytest.raises(TfnlpError, match="needs its padding_mask"):
        finetune(FinetuneConfig(encoder=w2v_run["module"], task="classification",
                                train=lexnames["train"], output=str(tmp_path / "bad"),
                                mode="feature", **FAST))
    with pytest.raises(TfnlpError, match="aligns words with token pieces"):
        finetune(FinetuneConfig(encoder=w2v_run["module"], task="ner",
                                train=lexnames["train"], output=str(tmp_path / "bad"), **FAST))


def _tagged_sentences(path, count, seed, word_classes):
    rng = np.random.default_rng(seed)
    tags = {w: name for name, words in word_classes.items() for w in words}
    words = sorted(tags)
    blocks = []
    for _ in range(count):
        sentence = ["the", str(rng.choice(words)), "and", "a", str(rng.choice(words)), "."]
        blocks.append("\n".join(f"{w}\t{'B-' + tags[w] if w in tags else 'O'}"
                                for w in sentence))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return str(path)


def test_ner_on_a_static_encoder(w2v_run, word_classes, tmp_path):
    """Token-level features: the run dir's native `StaticEmbedding`, one vector per
    word (the word tokenizer makes each word one token)."""
    train = _tagged_sentences(tmp_path / "train.conll", 120, 0, word_classes)
    dev = _tagged_sentences(tmp_path / "dev.conll", 40, 1, word_classes)
    metrics = finetune(FinetuneConfig(encoder=w2v_run["run"], task="ner", train=train,
                                      eval=dev, output=str(tmp_path / "ner"),
                                      **dict(FAST, epochs=8, seq_length=16)))
    assert metrics["f1"] > 0.8, metrics
    predicted = load_saved_task(str(tmp_path / "ner")).predict_texts(["the dog ate rice"])
    assert len(predicted[0]["tags"]) == 4, predicted


def test_a_foreign_text_embedding_module_resolves_to_a_static_family(tmp_path):
    """A module that records no `tfnlp_family` (e.g. a TF-Hub NNLM) is read as a static encoder."""
    import tensorflow as tf

    from tfnlp.models.registry import families_with_hub_interface
    from tfnlp.tasks.encoder_source import resolve_encoder

    # The Reusable SavedModel layout TF-Hub's text-embedding modules follow.
    module = tf.train.Checkpoint()
    module.table = tf.Variable(tf.random.stateless_normal([64, 8], seed=[1, 2]))
    module.variables = [module.table]
    module.trainable_variables = [module.table]
    module.regularization_losses = []

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def embed(sentences):
        words = tf.strings.split(tf.strings.lower(sentences))
        ids = tf.strings.to_hash_bucket_fast(words, 64)
        return tf.reduce_mean(tf.gather(module.table, ids), axis=1)

    module.__call__ = embed
    tf.saved_model.save(module, str(tmp_path / "nnlm"))
    source = resolve_encoder(tmp_path / "nnlm")
    assert source.kind == "text_embedding"
    assert source.hidden_dim == 8
    assert source.family is families_with_hub_interface("text_embedding")[0]
    assert source.family.hub_interface.kind == "text_embedding"
