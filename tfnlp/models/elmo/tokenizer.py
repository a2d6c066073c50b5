"""`ElmoTokenizer`: words (for the softmax) and their characters (for the CNN).

Text is split into words by `tfnlp.text.words.split_words` (ELMo keeps
case: `lower_case=False` by default). A packed sentence is
`<S> w_1 ... w_n </S>` padded on the right; each word is looked up in the
word vocabulary (`vocab.txt`, unknown words -> `<UNK>`) and spelled as
ELMo's character ids (`tfnlp.models.elmo.characters`: at most 50 UTF-8
bytes per word with markers; longer words are truncated).

Example:

>>> tok = ElmoTokenizer(["<S>", "</S>", "<UNK>", "the", "cat"], seq_length=8)
>>> out = tok(tf.constant(["the cat sat"]))
>>> out["token_ids"].numpy().tolist(), out["char_ids"].shape
([[0, 3, 4, 2, 1, 0, 0, 0]], TensorShape([1, 8, 50]))
"""

import os

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from tfnlp.errors import TfnlpError
from tfnlp.models.elmo.characters import (
    BOS_TOKEN, EOS_TOKEN, MAX_CHARS_PER_WORD, UNK_TOKEN, check_max_chars,
    sentence_char_ids)
from tfnlp.models.elmo.vocab import check_word_vocab, load_word_vocab, write_word_vocab
from tfnlp.text.tokenizer import PACKED_KEYS, Tokenizer
from tfnlp.text.words import split_words

VOCAB_FILE = "vocab.txt"
ELMO_PACKED_KEYS = PACKED_KEYS + ("char_ids",)


@keras.saving.register_keras_serializable(package="tfnlp")
class ElmoTokenizer(Tokenizer):
    """ELMo's word + character tokenizer (asset kind `"word"`, `vocab.txt`).

    Args:
        vocabulary: path of `vocab.txt`, or a list of words in id order;
            must hold `<S>`, `</S>` and `<UNK>`.
        lower_case: lower-case before splitting (ELMo: False).
        max_chars_per_word: characters per word with the two word markers
            (ELMo: 50); longer words are truncated.
        seq_length: default packed length (markers included).
        **kwargs: `keras.layers.Layer` arguments.

    Returns (from `call(strings)` / `pack`):
        dict with int32 `token_ids`, `segment_ids`, `padding_mask`
        `[batch, seq_length]` and `char_ids [batch, seq_length, max_chars]`.

    Example:

    >>> tok = ElmoTokenizer("run/tokenizer/vocab.txt")   # doctest: +SKIP
    >>> tok.tokenize(tf.constant(["Hello world"]))      # doctest: +SKIP
    """

    kind = "word"

    def __init__(self, vocabulary, lower_case=False, max_chars_per_word=MAX_CHARS_PER_WORD,
                 seq_length=128, **kwargs):
        super().__init__(seq_length=seq_length, **kwargs)
        self._vocab_path = None
        if isinstance(vocabulary, (str, os.PathLike)):
            words = load_word_vocab(vocabulary)
            self._vocab_path = os.fspath(vocabulary)
        elif isinstance(vocabulary, (list, tuple)):
            words = check_word_vocab(vocabulary)
        else:
            raise TfnlpError("vocabulary must be a vocab.txt path or a list of words, got "
                             f"{type(vocabulary).__name__}")
        if not isinstance(lower_case, bool):
            raise TfnlpError(f"lower_case must be True or False, got {lower_case!r}")
        self.lower_case = lower_case
        self.max_chars_per_word = check_max_chars(max_chars_per_word)
        self._words = tuple(words)
        self._ids = {w: words.index(w) for w in (BOS_TOKEN, EOS_TOKEN, UNK_TOKEN)}
        self.table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(words), tf.range(len(words), dtype=tf.int32)),
            default_value=self._ids[UNK_TOKEN])
        self.words_tensor = tf.constant(words)

    # --- vocabulary ------------------------------------------------------------

    @property
    def vocabulary(self):
        """list of str: the words in id order."""
        return list(self._words)

    @property
    def vocab_size(self):
        """int: number of words (softmax classes)."""
        return len(self._words)

    @property
    def special_tokens(self):
        """dict of ints; `padding_id` is the id written at padding positions
        (0, also a real word's id: padding is told by `padding_mask`)."""
        return {"vocab_size": len(self._words), "padding_id": 0,
                "start_of_sequence_id": self._ids[BOS_TOKEN],
                "end_of_segment_id": self._ids[EOS_TOKEN], "mask_id": None,
                "unknown_id": self._ids[UNK_TOKEN]}

    def asset_files(self):
        """`{"vocab.txt": path}` when built from a file, else `{}`."""
        return {VOCAB_FILE: self._vocab_path} if self._vocab_path else {}

    def save_assets(self, directory):
        """Writes `directory/vocab.txt`. Returns the directory."""
        write_word_vocab(self.vocabulary, os.path.join(directory, VOCAB_FILE))
        return directory

    # --- text ------------------------------------------------------------------

    def split(self, strings):
        """string `[batch]` -> string `tf.RaggedTensor [batch, (words)]`."""
        strings = tf.convert_to_tensor(strings)
        if strings.dtype != tf.string:
            raise TfnlpError(f"ElmoTokenizer takes strings, got dtype {strings.dtype.name}")
        if strings.shape.rank is not None and strings.shape.rank > 1:
            strings = tf.reshape(strings, [-1])
        return split_words(strings, lower_case=self.lower_case)

    def words_to_ids(self, words):
        """Word strings (any shape, ragged or not) -> int32 ids (`<UNK>` if unknown)."""
        if isinstance(words, tf.RaggedTensor):
            return words.with_flat_values(self.table.lookup(words.flat_values))
        return self.table.lookup(tf.convert_to_tensor(words, tf.string))

    def ids_to_words(self, ids):
        """int ids (ragged or not) -> word strings."""
        if isinstance(ids, tf.RaggedTensor):
            return ids.with_flat_values(tf.gather(self.words_tensor, ids.flat_values))
        return tf.gather(self.words_tensor, ids)

    def tokenize(self, strings):
        """string `[batch]` -> int32 word ids `tf.RaggedTensor [batch, (words)]`."""
        return self.words_to_ids(self.split(strings))

    def detokenize(self, token_ids):
        """Word ids `[batch, (words)]` -> strings, words joined by spaces
        (the sentence markers dropped)."""
        if not isinstance(token_ids, tf.RaggedTensor):
            token_ids = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(token_ids))
        words = self.ids_to_words(tf.cast(token_ids, tf.int32))
        keep = (words.flat_values != BOS_TOKEN) & (words.flat_values != EOS_TOKEN)
        words = tf.ragged.boolean_mask(words, words.with_flat_values(keep))
        return tf.strings.reduce_join(words, axis=-1, separator=" ")

    def pack(self, segments, seq_length=None):
        """Packs 1-2 segments as `<S> a </S> [b </S>]`, padded on the right.

        Segments are trimmed round-robin to fit. A segment may be ragged
        word ids (`tokenize`) or ragged word strings (`split`); strings keep
        the exact characters of unknown words, ids spell them as `<UNK>`.

        Args:
            segments: a ragged tensor or a list of 1-2 of them `[batch, (words)]`.
            seq_length: packed length (markers included); `self.seq_length`
                when None.

        Returns:
            dict of int32 `token_ids`, `segment_ids`, `padding_mask`
            `[batch, seq_length]` and `char_ids [batch, seq_length, max_chars]`.
        """
        if isinstance(segments, (tf.Tensor, tf.RaggedTensor)):
            segments = [segments]
        segments = list(segments)
        if not 1 <= len(segments) <= 2:
            raise TfnlpError(f"pack takes 1 or 2 segments, got {len(segments)}")
        seq_length = self.seq_length if seq_length is None else seq_length
        if not isinstance(seq_length, int) or seq_length < len(segments) + 2:
            raise TfnlpError(f"seq_length must be an integer >= {len(segments) + 2} for "
                             f"{len(segments)} segment(s) and the markers, got {seq_length!r}")
        words = [self._as_words(s) for s in segments]
        trimmed = tf_text.RoundRobinTrimmer(
            max_seq_length=seq_length - 1 - len(words)).trim(words)
        batch = trimmed[0].nrows()
        bos = tf.fill([batch, 1], BOS_TOKEN)
        eos = tf.fill([batch, 1], EOS_TOKEN)
        pieces, types = [bos], [tf.zeros([batch, 1], tf.int32)]
        for index, segment in enumerate(trimmed):
            pieces += [segment, eos]
            ones = tf.ones_like(tf.concat([segment, eos], axis=1), tf.int32)
            types.append(ones * (0 if index == 0 else 1))
        sentence = tf.concat(pieces, axis=1)
        shape = [None, seq_length]
        token_ids = self.words_to_ids(sentence).to_tensor(0, shape=shape)
        padding_mask = tf.ones_like(sentence, tf.int32).to_tensor(0, shape=shape)
        segment_ids = tf.concat(types, axis=1).to_tensor(0, shape=shape)
        char_ids = sentence_char_ids(sentence, self.max_chars_per_word)
        char_ids = tf.pad(char_ids, [[0, 0], [0, seq_length - tf.shape(char_ids)[1]], [0, 0]])
        char_ids = tf.ensure_shape(char_ids, [None, seq_length, self.max_chars_per_word])
        return {"token_ids": token_ids, "segment_ids": segment_ids,
                "padding_mask": padding_mask, "char_ids": char_ids}

    def _as_words(self, segment):
        if not isinstance(segment, tf.RaggedTensor):
            segment = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(segment))
        if segment.ragged_rank > 1:
            segment = segment.merge_dims(-2, -1)
        if segment.dtype == tf.string:
            return segment
        return self.ids_to_words(tf.cast(segment, tf.int32))

    def call(self, inputs):
        """Splits and packs a string tensor or a list of 1-2 of them (the
        words go to `pack` as strings, so unknown words keep their spelling)."""
        if isinstance(inputs, dict):
            raise TfnlpError("ElmoTokenizer takes a string tensor or a list of 1-2 "
                             "string tensors, not a dict")
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if not 1 <= len(inputs) <= 2:
            raise TfnlpError(f"ElmoTokenizer takes 1 or 2 text segments, got {len(inputs)}")
        return self.pack([self.split(x) for x in inputs])

    def compute_output_spec(self, inputs):
        spec = super().compute_output_spec(inputs)
        batch = spec["token_ids"].shape[0]
        spec["char_ids"] = keras.KerasTensor(
            (batch, self.seq_length, self.max_chars_per_word), dtype="int32")
        return spec

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary": list(self.vocabulary), "lower_case": self.lower_case,
                       "max_chars_per_word": self.max_chars_per_word})
        return config
