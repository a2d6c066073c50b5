"""The TF-Hub text-embedding module of the static families (Google's nnlm / Wiki-words).

`obj(strings[batch]) -> float32 [batch, dim]`: the strings are split
in-graph with `tfnlp.text.words.split_words` (so `import tensorflow_text`
before loading), looked up in the vocabulary (an asset, `obj.vocab_file`)
with `num_oov_buckets` hashed buckets for unknown words, and the word
vectors are combined with the backbone's combiner (sqrt-n by default: the
sum over the words divided by sqrt(number of words); an empty string gives
zeros). `obj.embeddings` (`[vocab + buckets, dim]`) is the one trainable
variable, listed in `obj.variables` / `obj.trainable_variables`, so the
module fine-tunes through tf_keras `hub.KerasLayer(trainable=True)` and
tfnlp's `HubLayer`.

A token-level variant gives features for tagging (NER):
`obj.embed_tokens(tokens [batch, max_len] strings)` -> `[batch, max_len,
dim]`, zeros where the token is `""` (padding).

Example:

>>> module = build_text_embedding_module(backbone, tokenizer)          # doctest: +SKIP
>>> tf.saved_model.save(module, "/tmp/w2v", signatures={"default": module.__call__})  # doctest: +SKIP
>>> hub.KerasLayer("/tmp/w2v", trainable=True)(tf.constant(["a cat"]))  # doctest: +SKIP
"""

import numpy as np
import tensorflow as tf

from tfnlp.text.words import split_words

DEFAULT_OOV_BUCKETS = 1000


def _combine(vectors, lengths, combiner):
    """Row sums of ragged `[batch, (words), dim]`, then the combiner's scaling."""
    total = tf.reduce_sum(vectors, axis=1)
    count = tf.maximum(tf.cast(lengths, tf.float32), 1.0)[:, None]
    if combiner == "sum":
        return total
    if combiner == "mean":
        return total / count
    return total / tf.sqrt(count)


def build_text_embedding_module(backbone, tokenizer, heads=None, seq_length=128,
                                num_oov_buckets=DEFAULT_OOV_BUCKETS, family="word2vec"):
    """Builds the text-embedding module (a trackable; save with `tf.saved_model.save`).

    Args:
        backbone: a `StaticEmbedding` (its rows `0 .. V-1` are the words).
        tokenizer: its `WordTokenizer` (vocabulary asset, casing).
        heads: unused (the family has no hub subobjects).
        seq_length: unused (the module takes any number of words).
        num_oov_buckets: hashed rows for unknown words (initialised to zero).
        family: recorded as `tfnlp_family`.

    Returns:
        a `tf.train.Checkpoint` with `__call__`, `embed_tokens`,
        `serving_default`, `embeddings`, `vocab_file`, `variables`,
        `trainable_variables`, `regularization_losses`, `tfnlp_family`,
        `do_lower_case`, and `signatures_to_save`.
    """
    del heads, seq_length
    words = tokenizer.words
    table = np.asarray(backbone.embeddings.numpy()
                       if hasattr(backbone.embeddings, "numpy") else backbone.embeddings)
    vectors = np.concatenate([table[:len(words)],
                              np.zeros((num_oov_buckets, table.shape[1]), table.dtype)])
    combiner = getattr(backbone, "combiner", "sqrtn")
    lower_case = bool(tokenizer.lower_case)

    module = tf.train.Checkpoint()
    module.vocab_file = tf.saved_model.Asset(tokenizer.asset_files()["vocab.txt"])
    module.embeddings = tf.Variable(vectors, name="embeddings", trainable=True)
    module.tfnlp_family = tf.Variable(family, trainable=False, name="tfnlp_family")
    module.do_lower_case = tf.Variable(lower_case, trainable=False, name="do_lower_case")
    module.table = tf.lookup.StaticVocabularyTable(
        tf.lookup.TextFileInitializer(module.vocab_file, tf.string,
                                      tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64,
                                      tf.lookup.TextFileIndex.LINE_NUMBER),
        num_oov_buckets=num_oov_buckets)
    module.variables = [module.embeddings]
    module.trainable_variables = [module.embeddings]
    module.regularization_losses = []

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def embed(sentences):
        tokens = split_words(sentences, lower_case=lower_case)
        ids = tokens.with_flat_values(module.table.lookup(tokens.flat_values))
        vectors = tf.gather(module.embeddings, ids)
        return _combine(vectors, ids.row_lengths(), combiner)

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.string)])
    def embed_tokens(tokens):
        tokens = tf.strings.lower(tokens, encoding="utf-8") if lower_case else tokens
        vectors = tf.gather(module.embeddings, module.table.lookup(tokens))
        return vectors * tf.cast(tf.strings.length(tokens) > 0, tf.float32)[..., None]

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="sentences")])
    def serving_default(sentences):
        return {"default": embed(sentences)}

    module.__call__ = embed
    module.embed_tokens = embed_tokens
    module.serving_default = serving_default
    module.signatures_to_save = {"serving_default": serving_default, "default": serving_default}
    return module
