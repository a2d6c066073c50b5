"""In-graph BERT text preprocessing: strings -> packed model inputs.

`BertPreprocessor` wraps tensorflow-text's `FastBertTokenizer` (BERT basic
tokenization + WordPiece in one op) and its packing ops (`RoundRobinTrimmer`,
`combine_segments`, `pad_model_inputs`).

Text is normalized first with `tfnlp.text.normalization.normalize_text`
(as Google's reference BERT tokenizer does it), then tokenized with
`FastBertTokenizer(lower_case_nfd_strip_accents=False)`; see that module for
why tf-text's built-in lower-casing is not used. Packing is
`tfnlp.text.segments.pack_trimmed` (dense batch ops, same result as
tf-text's `RoundRobinTrimmer` + `combine_segments` + `pad_model_inputs`).

Example:

>>> pre = BertPreprocessor("vocab.txt", seq_length=16)       # doctest: +SKIP
>>> out = pre(tf.constant(["The quick brown fox."]))         # doctest: +SKIP
>>> out["token_ids"].shape                                   # doctest: +SKIP
TensorShape([1, 16])
"""

import os

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from tfnlp.errors import TfnlpError
from tfnlp.text.normalization import normalize_text
from tfnlp.text.segments import pack_trimmed
from tfnlp.text.tokenizer import Tokenizer
from tfnlp.text.vocab import load_vocab, validate_vocab, write_vocab


def _check_seq_length(seq_length, num_segments, name="seq_length"):
    if isinstance(seq_length, bool) or not isinstance(seq_length, int):
        raise TfnlpError(f"{name} must be an int, got {seq_length!r}")
    need = num_segments + 1
    if seq_length < need:
        raise TfnlpError(
            f"{name}={seq_length} is too short: packing {num_segments} "
            f"segment(s) takes {need} special tokens ([CLS] and one [SEP] per "
            f"segment), so {name} must be at least {need}")


@keras.saving.register_keras_serializable(package="tfnlp")
class BertPreprocessor(Tokenizer):
    """Tokenizes and packs text for a BERT encoder, in-graph (WordPiece).

    The WordPiece `Tokenizer` of the BERT, ELECTRA and DistilBERT families;
    its asset folder holds `vocab.txt`.

    Args:
      vocabulary: path of a vocab file (one token per line) or a list of
        tokens; must hold `[PAD] [UNK] [CLS] [SEP] [MASK]` with `[PAD]` id 0.
      lower_case: True for uncased models (lower case, NFD, strip accents, as
        BERT uncased); False for cased models.
      seq_length: default packed length for `call` and `pack`.
      **kwargs: passed to `keras.layers.Layer`.

    Returns (from `call`):
      dict of int32 `[batch, seq_length]` tensors: `token_ids`,
      `segment_ids`, `padding_mask`.

    Example:

    >>> pre = BertPreprocessor(vocab_tokens, seq_length=32)   # doctest: +SKIP
    >>> pre([tf.constant(["a question?"]), tf.constant(["an answer."])])  # doctest: +SKIP
    """

    kind = "wordpiece"
    VOCAB_FILE = "vocab.txt"

    def __init__(self, vocabulary, lower_case=True, seq_length=128, **kwargs):
        _check_seq_length(seq_length, 1)
        super().__init__(seq_length=seq_length, **kwargs)
        self._vocab_path = None
        if isinstance(vocabulary, (str, os.PathLike)):
            tokens = load_vocab(vocabulary)
            self._vocab_path = os.fspath(vocabulary)
        elif isinstance(vocabulary, (list, tuple)):
            tokens = validate_vocab(vocabulary)
        else:
            raise TfnlpError(
                "vocabulary must be a vocab file path or a list of tokens, got "
                f"{type(vocabulary).__name__}")
        if not isinstance(lower_case, bool):
            raise TfnlpError(f"lower_case must be True or False, got {lower_case!r}")
        self._vocab_tokens = tuple(tokens)
        self.lower_case = lower_case
        # A tf.Module attribute: tracked, so it exports with a SavedModel.
        # Normalization happens in `normalize`; see the module docstring.
        self.tokenizer = tf_text.FastBertTokenizer(
            vocab=tokens,
            lower_case_nfd_strip_accents=False,
            token_out_type=tf.int32,
            unknown_token="[UNK]",
            support_detokenization=True)
        self._ids = {t: tokens.index(t) for t in
                     ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}

    @property
    def vocabulary(self):
        """list of str: the vocabulary, in id order."""
        return list(self._vocab_tokens)

    @property
    def vocab_size(self):
        """int: number of tokens in the vocabulary."""
        return len(self._vocab_tokens)

    @property
    def special_tokens(self):
        """dict: `vocab_size, padding_id, start_of_sequence_id,
        end_of_segment_id, mask_id, unknown_id` (python ints)."""
        return {
            "vocab_size": len(self._vocab_tokens),
            "padding_id": self._ids["[PAD]"],
            "start_of_sequence_id": self._ids["[CLS]"],
            "end_of_segment_id": self._ids["[SEP]"],
            "mask_id": self._ids["[MASK]"],
            "unknown_id": self._ids["[UNK]"],
        }

    def asset_files(self):
        """`{"vocab.txt": path}` when built from a file, else `{}`."""
        return {self.VOCAB_FILE: self._vocab_path} if self._vocab_path else {}

    def save_assets(self, directory):
        """Writes `directory/vocab.txt` (from the tokens, so an in-memory
        vocabulary saves too). Returns the directory."""
        write_vocab(self.vocabulary, os.path.join(directory, self.VOCAB_FILE))
        return directory

    def word_starts(self):
        """Per id: True unless the token is a `##` continuation piece."""
        return [not t.startswith("##") for t in self._vocab_tokens]

    def normalize(self, strings):
        """Normalizes text as BERT's reference tokenizer does.

        Removes control and format characters (keeping tab/newline/CR); when
        `lower_case`, lower-cases, applies NFD and strips combining accents.

        Args:
          strings: string tensor of any shape.

        Returns:
          string tensor of the same shape.
        """
        return normalize_text(strings, self.lower_case)

    def tokenize(self, strings):
        """Tokenizes strings into WordPiece ids.

        Args:
          strings: string tensor (or list of str) of shape `[batch]`.

        Returns:
          int32 `tf.RaggedTensor` `[batch, (tokens)]`.

        Example:

        >>> pre.tokenize(tf.constant(["hello world"]))   # doctest: +SKIP
        <tf.RaggedTensor [[7592, 2088]]>
        """
        strings = tf.convert_to_tensor(strings)
        if strings.dtype != tf.string:
            raise TfnlpError(f"tokenize expects strings, got dtype {strings.dtype.name}")
        if strings.shape.rank == 0:
            strings = tf.reshape(strings, [1])
        elif strings.shape.rank is not None and strings.shape.rank > 1:
            strings = tf.reshape(strings, [-1])
        # Invalid UTF-8 is repaired here, in the rows that are not plain ASCII
        # only (see `takes_valid_utf8` below and `normalize_text`).
        ids = self.tokenizer.tokenize(normalize_text(strings, self.lower_case,
                                                     repair_utf8=True))
        if isinstance(ids, tf.RaggedTensor) and ids.ragged_rank > 1:
            ids = ids.merge_dims(-2, -1)
        return ids

    tokenize.takes_valid_utf8 = True  # `normalize_text` repairs UTF-8 itself

    def detokenize(self, token_ids):
        """Turns ids back into text (word pieces joined; lower-cased if uncased).

        Args:
          token_ids: int tensor or RaggedTensor `[batch, (tokens)]`.

        Returns:
          string tensor `[batch]`.
        """
        return self.tokenizer.detokenize(token_ids)

    def pack(self, segments, seq_length=None):
        """Packs 1 or 2 tokenized segments as `[CLS] a [SEP] b [SEP] [PAD]...`.

        Segments are trimmed round-robin to fit (as TF-Hub's
        `bert_pack_inputs`).

        Args:
          segments: list of 1 or 2 int RaggedTensors `[batch, (tokens)]`
            (or `[batch, (words), (pieces)]`).
          seq_length: packed length (an int, or an int32 scalar tensor in
            traced code); defaults to `self.seq_length`.

        Returns:
          dict of int32 `[batch, seq_length]`: `token_ids`, `segment_ids`
          (0 for [CLS], a and its [SEP]; 1 for b and its [SEP]) and
          `padding_mask` (1 real, 0 pad).

        Example:

        >>> pre.pack([pre.tokenize(q), pre.tokenize(a)], seq_length=64)  # doctest: +SKIP
        """
        if isinstance(segments, (tf.Tensor, tf.RaggedTensor)):
            segments = [segments]
        segments = list(segments)
        if not 1 <= len(segments) <= 2:
            raise TfnlpError(f"pack takes 1 or 2 segments, got {len(segments)}")
        seq_length = self.seq_length if seq_length is None else seq_length
        if isinstance(seq_length, int):
            _check_seq_length(seq_length, len(segments))
        else:  # a traced length (hub modules)
            seq_length = tf.cast(seq_length, tf.int32)
            check = tf.debugging.assert_positive(
                seq_length - len(segments) - 1,
                message="seq_length too short for [CLS] and [SEP] tokens")
            with tf.control_dependencies([check]):
                seq_length = tf.identity(seq_length)
        return pack_trimmed(segments, seq_length, end_id=self._ids["[SEP]"],
                            pad_id=self._ids["[PAD]"], start_id=self._ids["[CLS]"])

    def get_config(self):
        config = super().get_config()
        config.update({
            "vocabulary": list(self.vocabulary),
            "lower_case": self.lower_case,
        })
        return config
