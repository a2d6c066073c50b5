"""Export a family tokenizer as a preprocess module in TF-Hub's BERT interface.

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
- `obj.vocab_file` (or `obj.sp_model_file`): the tokenizer's main asset as a
  `tf.saved_model.Asset`, copied into the SavedModel, with every asset file
  in `obj.tokenizer_assets`; `obj.do_lower_case`: a bool variable;
  `obj.tfnlp_family`: the family name.

Tokenization and packing are the family tokenizer's own (`tokenize`,
`pack`), so the same module builder serves WordPiece, BPE and SentencePiece
families. The vocabulary is embedded in the graph, so nothing reads the
original asset path: a loaded module re-saved with `tf.saved_model.save`
still works after the source files are deleted.
Loading needs `import tensorflow_text` first (tf-text ops).

Example:

>>> export_preprocess_module(tokenizer, "/tmp/bert_preprocess")          # doctest: +SKIP
>>> import tensorflow_text  # noqa: F401                                  # doctest: +SKIP
>>> pre = tf.saved_model.load("/tmp/bert_preprocess")                     # doctest: +SKIP
>>> pre(tf.constant(["hello world"]))["input_word_ids"].shape             # doctest: +SKIP
TensorShape([1, 128])
"""

import os

import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.hub.interface import to_hub_inputs
from tfnlp.io import atomic_write_dir, check_output_dir

SPECIAL_TOKEN_KEYS = ("vocab_size", "padding_id", "start_of_sequence_id",
                      "end_of_segment_id", "mask_id")


def split_words(token_ids, is_word_start):
    """Groups flat piece ids into words: `[batch, (words), (pieces)]`.

    Args:
        token_ids: int32 RaggedTensor `[batch, (pieces)]`.
        is_word_start: bool tensor `[vocab_size]`, False for pieces that
            continue a word (WordPiece's `##` pieces).

    Returns:
        int32 RaggedTensor `[batch, (words), (pieces)]`.
    """
    flat = token_ids.flat_values
    # The first piece of a row always starts a word.
    first_in_row = tf.equal(tf.ragged.range(token_ids.row_lengths()).flat_values, 0)
    starts = tf.logical_or(tf.gather(is_word_start, flat), first_in_row)
    word_starts = tf.cast(tf.where(starts)[:, 0], tf.int64)
    words = tf.RaggedTensor.from_row_starts(flat, word_starts, validate=False)
    words_per_row = tf.reduce_sum(
        tf.cast(token_ids.with_flat_values(starts), tf.int64), axis=1)
    return tf.RaggedTensor.from_row_lengths(words, words_per_row, validate=False)


def _segment_specs():
    """Ragged specs a segment may come as: words/pieces, or flat tokens."""
    return (tf.RaggedTensorSpec([None, None, None], tf.int32, ragged_rank=2),
            tf.RaggedTensorSpec([None, None], tf.int32, ragged_rank=1))


def attach_tokenizer_assets(module, tokenizer, family, asset_attribute="vocab_file"):
    """Gives a module the attributes loaders read to rebuild its tokenizer.

    `module.<asset_attribute>` is the tokenizer's first asset file (the
    vocab, or the SentencePiece model) and `module.tokenizer_assets` lists
    all of them (copied into the SavedModel's `assets/`); `do_lower_case`
    is a bool variable and `tfnlp_family` a string variable.

    Args:
        module: the trackable being exported.
        tokenizer: a `tfnlp.text.tokenizer.Tokenizer` built from files.
        family: the family name.
        asset_attribute: `"vocab_file"` or `"sp_model_file"`.
    """
    files = tokenizer.asset_files()
    if not files:
        raise TfnlpError(f"{type(tokenizer).__name__} was built from memory; build it "
                         "from its asset files to export it")
    assets = [tf.saved_model.Asset(os.fspath(path)) for path in files.values()]
    setattr(module, asset_attribute, assets[0])
    module.tokenizer_assets = assets
    module.do_lower_case = tf.Variable(bool(getattr(tokenizer, "lower_case", False)),
                                       trainable=False, name="do_lower_case")
    module.tfnlp_family = tf.Variable(family, trainable=False, name="tfnlp_family")


def build_preprocess_module(tokenizer, family="bert", seq_length=128,
                            asset_attribute="vocab_file"):
    """Builds (without saving) the trackable object of a preprocess module.

    Args:
        tokenizer: the family's `Tokenizer`, built from its asset files.
        family: the family name (recorded as `tfnlp_family`).
        seq_length: int, the packed length of `obj(strings)` and the default
            of `bert_pack_inputs`.
        asset_attribute: the attribute naming the main asset file.

    Returns:
        A `tf.train.Checkpoint` with `__call__`, `tokenize` (with
        `get_special_tokens_dict`), `bert_pack_inputs` and the asset
        attributes of `attach_tokenizer_assets`.
    """
    if isinstance(seq_length, bool) or not isinstance(seq_length, int) or seq_length < 3:
        raise TfnlpError(f"seq_length must be an integer >= 3, got {seq_length!r}")
    special = {k: tokenizer.special_tokens.get(k) for k in SPECIAL_TOKEN_KEYS}
    special = {k: (-1 if v is None else v) for k, v in special.items()}
    starts = tokenizer.word_starts()
    is_word_start = tf.constant(
        [True] * tokenizer.vocab_size if starts is None else list(starts), tf.bool)
    strings_spec = tf.TensorSpec([None], tf.string)

    @tf.function(input_signature=[strings_spec])
    def tokenize(strings):
        return split_words(tokenizer.tokenize(strings), is_word_start)

    @tf.function(input_signature=[])
    def get_special_tokens_dict():
        return {k: tf.constant(v, tf.int32) for k, v in special.items()}

    @tf.function
    def bert_pack_inputs(inputs, seq_length=seq_length):
        return to_hub_inputs(tokenizer.pack(list(inputs), seq_length=seq_length))

    length_spec = tf.TensorSpec([], tf.int32)
    for spec in _segment_specs():  # both segments of a pair in one form
        bert_pack_inputs.get_concrete_function([spec], seq_length=length_spec)
        bert_pack_inputs.get_concrete_function([spec, spec], seq_length=length_spec)

    @tf.function(input_signature=[strings_spec])
    def call(strings):
        return to_hub_inputs(tokenizer.pack([tokenizer.tokenize(strings)],
                                            seq_length=seq_length))

    module = tf.train.Checkpoint()
    module.__call__ = call
    module.tokenize = tf.train.Checkpoint()
    module.tokenize.__call__ = tokenize
    module.tokenize.get_special_tokens_dict = get_special_tokens_dict
    module.bert_pack_inputs = bert_pack_inputs
    module.tokenizer = tokenizer
    attach_tokenizer_assets(module, tokenizer, family, asset_attribute)
    return module


def export_preprocess_module(tokenizer, output_dir, family="bert", seq_length=128,
                             asset_attribute="vocab_file"):
    """Writes a TF-Hub BERT-interface preprocess SavedModel at `output_dir`.

    Written to a temporary directory beside `output_dir` and renamed into
    place, so a failed export leaves an earlier module intact.

    Args:
        tokenizer: the family's `Tokenizer`, built from its asset files.
        output_dir: target directory (new, empty, or an earlier SavedModel).
        family: the family name.
        seq_length: int, default packed length (Google's modules use 128).
        asset_attribute: `"vocab_file"` or `"sp_model_file"`.

    Returns:
        The absolute path of the written SavedModel.

    Example:
    >>> export_preprocess_module(tokenizer, "out/preprocess")  # doctest: +SKIP
    """
    check_output_dir(output_dir)
    module = build_preprocess_module(tokenizer, family, seq_length, asset_attribute)
    return atomic_write_dir(output_dir,
                            lambda tmp_dir: tf.saved_model.save(module, tmp_dir))
