"""The tokenizer contract every family tokenizer honours (docs/CONTRACTS.md).

A family tokenizer is a Keras layer that runs in-graph (TF / tf-text ops), so
it exports inside TF-Hub preprocess modules and `serving_default`
signatures. It is built from an **asset folder** (`vocab.txt`;
`vocab.json` + `merges.txt`; `spiece.model`; ...) and can write that folder
back. Everything shared (the trainer, export, the task runner) talks to a
tokenizer only through this class.

Subclasses implement `tokenize`, `detokenize`, `pack`, `special_tokens`,
`vocab_size`, `asset_files` and `get_config`; `tokenize_words` and `call`
have generic implementations here.

Example:

>>> tokenizer = get_family("bert").load_tokenizer("run/tokenizer")   # doctest: +SKIP
>>> ids = tokenizer.tokenize(tf.constant(["hello world"]))           # doctest: +SKIP
>>> tokenizer.pack([ids], seq_length=16)["token_ids"].shape           # doctest: +SKIP
TensorShape([1, 16])
"""

import functools
import os
import shutil

import keras

from tfnlp.errors import TfnlpError

PACKED_KEYS = ("token_ids", "segment_ids", "padding_mask")
REPLACEMENT_CHAR = 0xFFFD


def valid_utf8(strings):
    """Replaces every invalid UTF-8 sequence by U+FFFD (tfnlp's one UTF-8 policy).

    Every family tokenizer's `tokenize` runs its input through this first,
    so the Python API, the CLI and the exported graphs (preprocess modules,
    `serving_default`) treat broken bytes alike: as U+FFFD, which BERT's
    normalization then drops and byte-level BPE encodes like any character.

    Args:
        strings: string tensor (or ragged tensor, list, array) of any shape;
            anything that is not a string tensor passes through.

    Returns:
        the same shape, valid UTF-8.

    Example:

    >>> valid_utf8(tf.constant([b"caf\\xe9"])).numpy()[0].decode()   # doctest: +SKIP
    'caf\ufffd'
    """
    import tensorflow as tf

    if isinstance(strings, tf.RaggedTensor):
        return tf.ragged.map_flat_values(valid_utf8, strings)
    if not tf.is_tensor(strings):
        try:
            strings = tf.convert_to_tensor(strings, tf.string)
        except (TypeError, ValueError):
            return strings
    if strings.dtype != tf.string:
        return strings
    return tf.strings.unicode_transcode(strings, "UTF-8", "UTF-8", errors="replace",
                                        replacement_char=REPLACEMENT_CHAR)


class Tokenizer(keras.layers.Layer):
    """Base class of family tokenizers: tokenize, detokenize, pack, assets.

    Args:
        seq_length: default packed length of `call` and `pack`.
        **kwargs: `keras.layers.Layer` arguments.

    Attributes:
        kind: str, the asset kind (`"wordpiece"`, `"bpe"`, `"sentencepiece"`,
            `"word"`, `"char"`); recorded in run dirs and model dirs.
        padding_side: `"right"` (BERT, GPT-2) or `"left"` (XLNet).
    """

    kind = None
    padding_side = "right"

    def __init_subclass__(cls, **kwargs):
        # Every subclass's `tokenize` sees valid UTF-8 (see `valid_utf8`).
        super().__init_subclass__(**kwargs)
        tokenize = cls.__dict__.get("tokenize")
        if tokenize is None or getattr(tokenize, "takes_valid_utf8", False):
            return

        @functools.wraps(tokenize)
        def tokenize_valid_utf8(self, strings, *args, **kwargs):
            return tokenize(self, valid_utf8(strings), *args, **kwargs)

        tokenize_valid_utf8.takes_valid_utf8 = True
        cls.tokenize = tokenize_valid_utf8

    def __init__(self, seq_length=128, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if not isinstance(seq_length, int) or isinstance(seq_length, bool) or seq_length < 2:
            raise TfnlpError(f"seq_length must be an integer >= 2, got {seq_length!r}")
        self.seq_length = seq_length

    # --- what every family implements ----------------------------------------

    @property
    def vocab_size(self):
        """int: number of token ids."""
        raise NotImplementedError

    @property
    def special_tokens(self):
        """dict of python ints: `vocab_size`, `padding_id`,
        `start_of_sequence_id`, `end_of_segment_id`, `mask_id`, `unknown_id`
        (None where the family has no such token)."""
        raise NotImplementedError

    def asset_files(self):
        """dict file name -> path of the files that rebuild this tokenizer."""
        raise NotImplementedError

    def tokenize(self, strings):
        """string `[batch]` -> int32 `tf.RaggedTensor [batch, (tokens)]`."""
        raise NotImplementedError

    def detokenize(self, token_ids):
        """int ids `[batch, (tokens)]` -> string `[batch]`."""
        raise NotImplementedError

    def pack(self, segments, seq_length=None):
        """1-2 ragged id segments -> dict of int32 `[batch, seq_length]`
        `token_ids`, `segment_ids`, `padding_mask`, with the family's special
        tokens, trimming and padding side."""
        raise NotImplementedError

    def word_starts(self):
        """Per token id, whether the token starts a word (for TF-Hub's
        `tokenize -> [batch, (words), (pieces)]`), or None when every token
        counts as a word of its own."""
        return None

    # --- generic -------------------------------------------------------------

    def call(self, inputs):
        """Tokenizes and packs one string tensor or a list of 1-2 of them.

        Args:
            inputs: string tensor `[batch]`, or a list/tuple of 1-2 of them.

        Returns:
            dict of int32 `[batch, seq_length]` (`PACKED_KEYS`).
        """
        if isinstance(inputs, dict):
            raise TfnlpError(f"{type(self).__name__} takes a string tensor or a "
                             "list of 1-2 string tensors, not a dict")
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if not 1 <= len(inputs) <= 2:
            raise TfnlpError(f"{type(self).__name__} takes 1 or 2 text segments, "
                             f"got {len(inputs)}")
        return self.pack([self.tokenize(x) for x in inputs])

    def compute_output_spec(self, inputs):
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        batch = first.shape[0] if getattr(first, "shape", None) else None
        spec = keras.KerasTensor((batch, self.seq_length), dtype="int32")
        return {key: spec for key in PACKED_KEYS}

    def tokenize_words(self, words):
        """Tokenizes pre-split words, one id list per word (for NER/SQuAD alignment).

        The default tokenizes each word alone, which is exact for WordPiece
        and for SentencePiece/BPE tokenizers that mark a word start
        themselves; a tokenizer whose pieces depend on the preceding space
        (byte-level BPE) overrides it.

        Args:
            words: list of str.

        Returns:
            list of lists of python ints, one (possibly empty) list per word.
        """
        import tensorflow as tf

        if not words:
            return []
        ids = self.tokenize(tf.constant(list(words)))
        return [row.tolist() for row in ids.numpy()] if not hasattr(ids, "to_list") \
            else ids.to_list()

    def label_piece(self, pieces):
        """Which of one word's pieces carries the word's label (NER): the first.

        Args:
            pieces: the word's piece ids (from `tokenize_words`).

        Returns:
            int, an index into `pieces` (0 for an empty list).
        """
        return 0

    def save_assets(self, directory):
        """Copies the asset files into `directory` (created).

        Args:
            directory: output folder.

        Returns:
            str, the directory.
        """
        os.makedirs(directory, exist_ok=True)
        for name, path in self.asset_files().items():
            target = os.path.join(directory, name)
            if os.path.abspath(path) != os.path.abspath(target):
                shutil.copyfile(path, target)
        return directory

    def get_config(self):
        config = super().get_config()
        config["seq_length"] = self.seq_length
        return config
