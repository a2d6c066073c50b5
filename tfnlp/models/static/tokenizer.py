"""`WordTokenizer`: words (`tfnlp.text.words.split_words`) to ids, in-graph.

Ids `0 .. V-1` are the vocabulary's words, most frequent first (so rows of
the embedding table are in frequency order, as analogy evaluation wants);
id `V` is `[UNK]`, which also pads (the padding mask tells them apart).
Assets: `vocab.txt` (one word per line) and `counts.txt` (their corpus
counts, used for subsampling and negative sampling).

Example:

>>> tok = WordTokenizer(["the", "cat"], counts=[5, 2])
>>> tok.tokenize(tf.constant(["The cat sat"])).to_list()
[[0, 1, 2]]
"""

import os

import keras
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.text.tokenizer import Tokenizer
from tfnlp.text.word_vocab import COUNTS_FILE, VOCAB_FILE, WordVocab
from tfnlp.text.words import split_words

UNKNOWN_TOKEN = "[UNK]"


class WordTokenizer(Tokenizer):
    """Splits text into words and looks them up (unknown words -> `[UNK]`).

    Args:
        vocabulary: an asset folder (`vocab.txt` + `counts.txt`), a
            `vocab.txt` path, or a list of words.
        counts: corpus counts when `vocabulary` is a list.
        lower_case: lower-case before splitting.
        seq_length: default packed length.
        **kwargs: `keras.layers.Layer` arguments.
    """

    kind = "word"

    def __init__(self, vocabulary, counts=None, lower_case=True, seq_length=128, **kwargs):
        super().__init__(seq_length=seq_length, **kwargs)
        self._asset_dir = None
        if isinstance(vocabulary, (str, os.PathLike)):
            vocab = WordVocab.load(os.fspath(vocabulary), lower_case)
            self._asset_dir = (os.fspath(vocabulary) if os.path.isdir(vocabulary)
                               else os.path.dirname(os.fspath(vocabulary)))
        else:
            words = list(vocabulary)
            vocab = WordVocab(words, list(counts) if counts is not None else [0] * len(words),
                              lower_case)
        if UNKNOWN_TOKEN in vocab.words:
            raise TfnlpError(f"word vocabulary: {UNKNOWN_TOKEN} is reserved")
        self.vocab = vocab
        self.lower_case = bool(lower_case)
        self._table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(vocab.words, tf.string),
                tf.range(len(vocab.words), dtype=tf.int64)),
            default_value=len(vocab.words))
        self._id_to_word = tf.constant(vocab.words + [UNKNOWN_TOKEN])

    @property
    def words(self):
        """list of str, the vocabulary in id order (without `[UNK]`)."""
        return self.vocab.words

    @property
    def counts(self):
        """list of int, the corpus count of each word."""
        return self.vocab.counts

    @property
    def vocab_size(self):
        return len(self.vocab.words) + 1

    @property
    def special_tokens(self):
        unknown = len(self.vocab.words)
        return {"vocab_size": self.vocab_size, "padding_id": unknown,
                "start_of_sequence_id": None, "end_of_segment_id": None, "mask_id": None,
                "unknown_id": unknown}

    def asset_files(self):
        if self._asset_dir is None:
            raise TfnlpError("this WordTokenizer was built from a word list; save_assets() "
                             "writes its files first")
        files = {VOCAB_FILE: os.path.join(self._asset_dir, VOCAB_FILE)}
        if os.path.isfile(os.path.join(self._asset_dir, COUNTS_FILE)):
            files[COUNTS_FILE] = os.path.join(self._asset_dir, COUNTS_FILE)
        return files

    def save_assets(self, directory):
        """Writes `vocab.txt` and `counts.txt` into `directory`; returns it."""
        self.vocab.save(directory)
        if self._asset_dir is None:
            self._asset_dir = directory
        return directory

    def tokenize(self, strings):
        words = split_words(strings, lower_case=self.lower_case)
        return words.with_flat_values(tf.cast(self._table.lookup(words.flat_values), tf.int32))

    def detokenize(self, token_ids):
        if isinstance(token_ids, tf.RaggedTensor):
            words = token_ids.with_flat_values(tf.gather(self._id_to_word,
                                                         token_ids.flat_values))
        else:
            words = tf.gather(self._id_to_word, tf.convert_to_tensor(token_ids))
        return tf.strings.reduce_join(words, axis=-1, separator=" ")

    def pack(self, segments, seq_length=None):
        """Concatenates 1-2 segments (no special tokens), trims, pads with `[UNK]`."""
        import tensorflow_text as tf_text

        seq_length = seq_length or self.seq_length
        segments = list(segments)
        if not 1 <= len(segments) <= 2:
            raise TfnlpError(f"WordTokenizer packs 1 or 2 segments, got {len(segments)}")
        segments = tf_text.RoundRobinTrimmer(max_seq_length=seq_length).trim(segments)
        ids = tf.concat(segments, axis=1)
        types = tf.concat([tf.ones_like(s) * i for i, s in enumerate(segments)], axis=1)
        shape = [None, seq_length]
        pad = self.special_tokens["padding_id"]
        return {"token_ids": ids.to_tensor(pad, shape=shape),
                "segment_ids": types.to_tensor(0, shape=shape),
                "padding_mask": tf.ones_like(ids).to_tensor(0, shape=shape)}

    def get_config(self):
        config = super().get_config()
        if self._asset_dir is not None:
            config["vocabulary"] = self._asset_dir
        else:
            config["vocabulary"] = list(self.vocab.words)
            config["counts"] = list(self.vocab.counts)
        config["lower_case"] = self.lower_case
        return config


keras.saving.register_keras_serializable("tfnlp")(WordTokenizer)
