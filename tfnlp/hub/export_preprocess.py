"""Export a BERT WordPiece preprocess module in TF-Hub's interface.

The SavedModel mirrors Google's BERT preprocess modules on TF Hub:

- `obj(strings[batch])` -> dict of int32 `[batch, seq_length]`
  `input_word_ids`, `input_mask`, `input_type_ids` (one segment, the
  default `seq_length`).
- `obj.tokenize(strings)` -> int32 RaggedTensor `[batch, (words), (pieces)]`;
  `obj.tokenize.get_special_tokens_dict()` -> int32 scalars `vocab_size`,
  `padding_id`, `start_of_sequence_id`, `end_of_segment_id`, `mask_id`.
- `obj.bert_pack_inputs([seg_a] or [seg_a, seg_b], seq_length=L)` ->
  `[CLS] a [SEP] b [SEP] [PAD]...` with round-robin trimming. `seq_length`
  is traced as an int32 scalar tensor, so any length works after loading (a
  Python int is converted). Segments may be `[batch, (words), (pieces)]`
  (as `tokenize` returns) or `[batch, (tokens)]` (both segments of a pair
  in the same form).
- `obj.vocab_file`: the vocab as a `tf.saved_model.Asset`, copied into the
  SavedModel; `obj.do_lower_case`: a bool variable.

Tokenization is `tfnlp.text.BertPreprocessor` (tf-text `FastBertTokenizer`
after BERT's normalization), whose vocabulary is embedded in the graph, so
nothing reads the original vocab path: a loaded module re-saved with
`tf.saved_model.save` still works after the source files are deleted.
Loading needs `import tensorflow_text` first (tf-text ops).

Example:

>>> export_preprocess_module("vocab.txt", True, "/tmp/bert_preprocess")   # doctest: +SKIP
>>> import tensorflow_text  # noqa: F401                                  # doctest: +SKIP
>>> pre = tf.saved_model.load("/tmp/bert_preprocess")                     # doctest: +SKIP
>>> pre(tf.constant(["hello world"]))["input_word_ids"].shape             # doctest: +SKIP
TensorShape([1, 128])
"""

import os

import tensorflow as tf
import tensorflow_text as tf_text

from tfnlp.errors import TfnlpError
from tfnlp.hub.atomic import atomic_write_dir, check_output_dir
from tfnlp.hub.interface import to_hub_inputs
from tfnlp.text.bert_preprocessor import BertPreprocessor

SPECIAL_TOKEN_KEYS = ("vocab_size", "padding_id", "start_of_sequence_id",
                      "end_of_segment_id", "mask_id")


def split_words(token_ids, is_word_start):
    """Groups flat WordPiece ids into words: `[batch, (words), (pieces)]`.

    A piece starts a new word unless its token is a "##" continuation.

    Args:
        token_ids: int32 RaggedTensor `[batch, (pieces)]`.
        is_word_start: bool tensor `[vocab_size]`, False for "##" tokens.

    Returns:
        int32 RaggedTensor `[batch, (words), (pieces)]`.
    """
    flat = token_ids.flat_values
    starts = tf.gather(is_word_start, flat)
    word_starts = tf.cast(tf.where(starts)[:, 0], tf.int64)
    words = tf.RaggedTensor.from_row_starts(flat, word_starts, validate=False)
    words_per_row = tf.reduce_sum(
        tf.cast(token_ids.with_flat_values(starts), tf.int64), axis=1)
    return tf.RaggedTensor.from_row_lengths(words, words_per_row, validate=False)


def pack_segments(segments, seq_length, special_tokens):
    """Packs 1-2 ragged segments for BERT with a (tensor) `seq_length`.

    Same packing as `BertPreprocessor.pack`, which takes only Python ints.

    Args:
        segments: list of 1 or 2 int RaggedTensors `[batch, (tokens)]` or
            `[batch, (words), (pieces)]`.
        seq_length: int or int32 scalar tensor, the packed length.
        special_tokens: dict with `start_of_sequence_id`,
            `end_of_segment_id`, `padding_id`.

    Returns:
        dict of int32 `[batch, seq_length]` `input_word_ids`, `input_mask`,
        `input_type_ids`.
    """
    segs = []
    for s in segments:
        if s.ragged_rank > 1:
            s = s.merge_dims(-2, -1)
        segs.append(tf.cast(s, tf.int32))
    seq_length = tf.cast(seq_length, tf.int32)
    budget = seq_length - len(segs) - 1
    tf.debugging.assert_positive(
        budget, message="seq_length too short for [CLS] and [SEP] tokens")
    trimmed = tf_text.RoundRobinTrimmer(max_seq_length=budget).trim(segs)
    ids, type_ids = tf_text.combine_segments(
        trimmed,
        start_of_sequence_id=special_tokens["start_of_sequence_id"],
        end_of_segment_id=special_tokens["end_of_segment_id"])
    word_ids, mask = tf_text.pad_model_inputs(
        ids, max_seq_length=seq_length, pad_value=special_tokens["padding_id"])
    type_ids, _ = tf_text.pad_model_inputs(type_ids, max_seq_length=seq_length,
                                           pad_value=0)
    return {"input_word_ids": tf.cast(word_ids, tf.int32),
            "input_mask": tf.cast(mask, tf.int32),
            "input_type_ids": tf.cast(type_ids, tf.int32)}


def _segment_specs():
    """Ragged specs a segment may come as: words/pieces, or flat tokens."""
    return (tf.RaggedTensorSpec([None, None, None], tf.int32, ragged_rank=2),
            tf.RaggedTensorSpec([None, None], tf.int32, ragged_rank=1))


def build_preprocess_module(vocab_file, do_lower_case, seq_length=128):
    """Builds (without saving) the trackable object of a preprocess module.

    Args:
        vocab_file: path of the WordPiece vocab file.
        do_lower_case: bool, True for uncased vocabularies.
        seq_length: int, the packed length of `obj(strings)` and the default
            of `bert_pack_inputs`.

    Returns:
        A `tf.train.Checkpoint` with `__call__`, `tokenize` (with
        `get_special_tokens_dict`), `bert_pack_inputs`, `vocab_file`,
        `do_lower_case`.
    """
    if not isinstance(do_lower_case, bool):
        raise TfnlpError(f"do_lower_case must be True or False, got {do_lower_case!r}")
    preprocessor = BertPreprocessor(os.fspath(vocab_file), lower_case=do_lower_case,
                                    seq_length=seq_length)
    special = {k: preprocessor.special_tokens[k] for k in SPECIAL_TOKEN_KEYS}
    is_word_start = tf.constant(
        [not t.startswith("##") for t in preprocessor.vocabulary], tf.bool)
    strings_spec = tf.TensorSpec([None], tf.string)

    @tf.function(input_signature=[strings_spec])
    def tokenize(strings):
        return split_words(preprocessor.tokenize(strings), is_word_start)

    @tf.function(input_signature=[])
    def get_special_tokens_dict():
        return {k: tf.constant(v, tf.int32) for k, v in special.items()}

    @tf.function
    def bert_pack_inputs(inputs, seq_length=seq_length):
        return pack_segments(list(inputs), seq_length, special)

    length_spec = tf.TensorSpec([], tf.int32)
    for spec in _segment_specs():  # both segments of a pair in one form
        bert_pack_inputs.get_concrete_function([spec], seq_length=length_spec)
        bert_pack_inputs.get_concrete_function([spec, spec], seq_length=length_spec)

    @tf.function(input_signature=[strings_spec])
    def call(strings):
        return to_hub_inputs(preprocessor(strings))

    module = tf.train.Checkpoint()
    module.__call__ = call
    module.tokenize = tf.train.Checkpoint()
    module.tokenize.__call__ = tokenize
    module.tokenize.get_special_tokens_dict = get_special_tokens_dict
    module.bert_pack_inputs = bert_pack_inputs
    module.vocab_file = tf.saved_model.Asset(os.fspath(vocab_file))
    module.do_lower_case = tf.Variable(do_lower_case, trainable=False,
                                       name="do_lower_case")
    return module


def export_preprocess_module(vocab_file, do_lower_case, output_dir, seq_length=128):
    """Writes a TF-Hub BERT preprocess SavedModel at `output_dir`.

    Written to a temporary directory beside `output_dir` and renamed into
    place, so a failed export leaves an earlier module intact.

    Args:
        vocab_file: path of the WordPiece vocab (copied in as an asset).
        do_lower_case: bool, True for uncased vocabularies.
        output_dir: target directory (new, empty, or an earlier SavedModel).
        seq_length: int, default packed length (Google's modules use 128).

    Returns:
        The absolute path of the written SavedModel.

    Example:
    >>> export_preprocess_module("vocab.txt", True, "out/preprocess")  # doctest: +SKIP
    """
    check_output_dir(output_dir)
    module = build_preprocess_module(vocab_file, do_lower_case, seq_length)
    return atomic_write_dir(output_dir,
                            lambda tmp_dir: tf.saved_model.save(module, tmp_dir))
