"""XLNet's tokenizer: SentencePiece with XLNet's text rules, specials and packing.

The rules of the original `xlnet/prepro_utils.py`, in-graph:

- `preprocess_text`: white space stripped and collapsed to one space
  (`" ".join(text.strip().split())`, Python's white space set), ``` `` ```
  and `''` become `"`, then, unless `keep_accents`, NFKD and every
  character with a non-zero canonical combining class removed, then
  lower-casing if `lower_case`.
- `encode_ids`: SentencePiece, then every piece that ends in a digit and a
  comma (`"▁1,"`) is re-encoded without the comma (and without a leading
  `▁` the piece did not have) and the comma appended as its own piece.

The character classes (white space, combining marks, digits) are built
from Python's `unicodedata`, so the in-graph rules select exactly the
characters the reference does. Two steps use TF's own Unicode tables
instead of Python's: NFKD (ICU's `normalize_utf8`) and lower-casing
(`tf.strings.lower(encoding="utf-8")`); they agree on real text (the
tests compare them on WordNet and mixed-script text) but may differ on
code points new in a later Unicode version.

Packing is XLNet's: `A <sep> B <sep> <cls>`, padded on the **left**;
segment ids 0 for A and its `<sep>`, 1 for B and its `<sep>`, 2 for
`<cls>`, 4 for padding (XLNet's `SEG_ID_CLS`, `SEG_ID_PAD`).

Example:

>>> tokenizer = XLNetTokenizer("run/tokenizer", seq_length=8)   # doctest: +SKIP
>>> tokenizer(tf.constant(["a cat"]))["token_ids"]               # doctest: +SKIP
<tf.Tensor: [[5, 5, 5, 5, 21, 367, 4, 3]]>
"""

import functools
import sys
import unicodedata

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from tfnlp.errors import TfnlpError
from tfnlp.text.sentencepiece_tokenizer import (SentencePieceTokenizer,
                                                learn_sentencepiece,
                                                pack_segments)

# XLNet's special pieces and their ids in XLNet's own spiece.model.
SPECIAL_PIECES = ("<unk>", "<s>", "</s>", "<cls>", "<sep>", "<pad>", "<mask>", "<eod>")
CONTROL_SYMBOLS = ("<cls>", "<sep>", "<pad>", "<mask>", "<eod>")
USER_DEFINED_SYMBOLS = ("<eop>",)
SEG_ID_CLS = 2
SEG_ID_PAD = 4
SPIECE_UNDERLINE = "\u2581"


@functools.lru_cache(maxsize=1)
def _character_classes():
    """RE2 classes of Python's white space, combining marks and digits."""
    spans = {"space": [], "combining": [], "digit": []}
    tests = {"space": str.isspace, "combining": lambda c: unicodedata.combining(c) != 0,
             "digit": str.isdigit}
    open_at = dict.fromkeys(spans)
    for code in range(sys.maxunicode + 2):
        char = chr(code) if code <= sys.maxunicode and not 0xD800 <= code <= 0xDFFF else None
        for name, test in tests.items():
            inside = char is not None and test(char)
            if inside and open_at[name] is None:
                open_at[name] = code
            elif not inside and open_at[name] is not None:
                spans[name].append((open_at[name], code - 1))
                open_at[name] = None
    return {name: "[" + "".join(
        f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"
        for name, ranges in spans.items()}


def preprocess_text(strings, lower_case=False, remove_space=True, keep_accents=False):
    """XLNet's `preprocess_text`, in-graph.

    Args:
        strings: string tensor (any shape).
        lower_case: lower-case.
        remove_space: strip and collapse white space.
        keep_accents: keep combining marks (else NFKD and remove them).

    Returns:
        string tensor of the same shape.
    """
    classes = _character_classes()
    space = classes["space"]
    strings = tf.convert_to_tensor(strings, tf.string)
    if remove_space:
        strings = tf.strings.regex_replace(strings, f"^{space}+|{space}+$", "")
        strings = tf.strings.regex_replace(strings, f"{space}+", " ")
    strings = tf.strings.regex_replace(strings, "``", '"')
    strings = tf.strings.regex_replace(strings, "''", '"')
    if not keep_accents:
        strings = tf_text.normalize_utf8(strings, "NFKD")
        strings = tf.strings.regex_replace(strings, classes["combining"], "")
    if lower_case:
        strings = tf.strings.lower(strings, encoding="utf-8")
    return strings


def learn_xlnet_sentencepiece(files, output_dir, vocab_size, lower_case=False,
                              max_lines=None, keep_accents=False):
    """Learns an XLNet `spiece.model` (XLNet's special pieces at XLNet's ids).

    The corpus is preprocessed with `preprocess_text` first, as XLNet's
    tokenizer will see it. Ids: `<unk>` 0, `<s>` 1, `</s>` 2, `<cls>` 3,
    `<sep>` 4, `<pad>` 5, `<mask>` 6, `<eod>` 7, `<eop>` 8.

    Args:
        files: corpus path(s).
        output_dir: folder for `spiece.model`.
        vocab_size: number of pieces (a soft limit).
        lower_case: lower-case the text (an uncased model; its normalizer is
            then `nmt_nfkc_cf`, which records it).
        max_lines: learn from at most this many non-blank lines.
        keep_accents: keep accents.

    Returns:
        str, the path of `spiece.model`.
    """
    def prepare(lines):
        out = preprocess_text(tf.constant(lines), lower_case=lower_case,
                              keep_accents=keep_accents).numpy()
        return [line.decode("utf-8") for line in out]

    return learn_sentencepiece(files, output_dir, vocab_size, max_lines=max_lines,
                               control_symbols=CONTROL_SYMBOLS,
                               user_defined_symbols=USER_DEFINED_SYMBOLS,
                               lower_case=lower_case, preprocess=prepare)


@keras.saving.register_keras_serializable(package="tfnlp")
class XLNetTokenizer(SentencePieceTokenizer):
    """XLNet's tokenizer on a SentencePiece model (asset `spiece.model`).

    Args:
        model: a `.model` file or a folder holding `spiece.model`; it must
            hold XLNet's special pieces `<cls> <sep> <pad> <mask> <unk> <s>
            </s> <eod>`.
        seq_length: default packed length.
        lower_case: lower-case text (uncased models).
        keep_accents: keep accents (XLNet's default removes them).
        remove_space: collapse white space.
        **kwargs: `keras.layers.Layer` arguments.

    Raises:
        TfnlpError: not a SentencePiece model, or one without XLNet's special
            pieces.

    Example:

    >>> tokenizer = XLNetTokenizer("spiece.model", seq_length=16)     # doctest: +SKIP
    >>> tokenizer([tf.constant(["a question?"]), tf.constant(["an answer."])])  # doctest: +SKIP
    """

    padding_side = "left"

    def __init__(self, model, seq_length=128, lower_case=False, keep_accents=False,
                 remove_space=True, **kwargs):
        super().__init__(model, seq_length=seq_length, **kwargs)
        for name, value in (("lower_case", lower_case), ("keep_accents", keep_accents),
                            ("remove_space", remove_space)):
            if not isinstance(value, bool):
                raise TfnlpError(f"{name} must be True or False, got {value!r}")
        self.lower_case = lower_case
        self.keep_accents = keep_accents
        self.remove_space = remove_space
        ids = {piece: i for i, piece in enumerate(self._pieces) if piece in SPECIAL_PIECES}
        missing = [p for p in SPECIAL_PIECES if p not in ids]
        if missing:
            raise TfnlpError(
                f"{self.model_path}: this SentencePiece model lacks XLNet's special "
                f"pieces {' '.join(missing)}; XLNet needs all of {' '.join(SPECIAL_PIECES)} "
                "(learn one with `tfnlp vocab --kind=sentencepiece`, which adds them)")
        self.piece_ids = ids
        self._special = {
            "vocab_size": self._vocab_size,
            "padding_id": ids["<pad>"],
            "start_of_sequence_id": ids["<cls>"],
            "end_of_segment_id": ids["<sep>"],
            "mask_id": ids["<mask>"],
            "unknown_id": ids["<unk>"],
        }
        self._comma_id = self.sentencepiece.string_to_id(",")

    @property
    def cls_id(self):
        """int: id of `<cls>` (the last packed token, the summary position)."""
        return self.piece_ids["<cls>"]

    @property
    def sep_id(self):
        """int: id of `<sep>`."""
        return self.piece_ids["<sep>"]

    def preprocess(self, strings):
        """XLNet's `preprocess_text` with this tokenizer's settings."""
        return preprocess_text(strings, lower_case=self.lower_case,
                               remove_space=self.remove_space,
                               keep_accents=self.keep_accents)

    def _tokenize_strings(self, strings):
        """Strings `[batch]` -> ids with XLNet's rules (see the module docstring)."""
        ids = self.sentencepiece.tokenize(self.preprocess(strings))
        return self._split_digit_comma(ids)

    def _split_digit_comma(self, ids):
        sp = self.sentencepiece
        flat_ids = ids.flat_values
        pieces = sp.id_to_string(flat_ids)
        digit = _character_classes()["digit"]
        needs = tf.strings.regex_full_match(pieces, f"(?s).*{digit},")
        source = tf.boolean_mask(pieces, needs)
        text = tf.strings.regex_replace(tf.strings.regex_replace(source, ",$", ""),
                                        SPIECE_UNDERLINE, "")
        sub = sp.id_to_string(sp.tokenize(text))
        # Drop a leading "▁" the piece itself did not have.
        had_space = tf.strings.regex_full_match(source, f"(?s){SPIECE_UNDERLINE}.*")
        values = sub.flat_values
        rows = sub.value_rowids()
        is_first = tf.equal(tf.range(tf.shape(values, out_type=tf.int64)[0]),
                            tf.gather(sub.row_starts(), rows))
        strip = tf.logical_and(
            tf.logical_and(is_first, tf.logical_not(tf.gather(had_space, rows))),
            tf.strings.regex_full_match(values, f"(?s){SPIECE_UNDERLINE}.*"))
        values = tf.where(strip, tf.strings.regex_replace(values, f"^{SPIECE_UNDERLINE}", ""),
                          values)
        keep = tf.logical_not(tf.logical_and(strip, tf.equal(values, "")))
        sub_ids = tf.ragged.boolean_mask(sub.with_flat_values(sp.string_to_id(values)),
                                         sub.with_flat_values(keep))
        comma = tf.fill([sub_ids.nrows(), 1], tf.cast(self._comma_id, tf.int32))
        sub_ids = tf.concat([sub_ids, tf.RaggedTensor.from_tensor(comma)], axis=1)
        count = tf.shape(flat_ids, out_type=tf.int64)[0]
        single = tf.RaggedTensor.from_row_lengths(
            flat_ids, tf.ones([count], tf.int64))
        combined = tf.concat([single, tf.cast(sub_ids, tf.int32)], axis=0)
        index = tf.where(needs, count + tf.cumsum(tf.cast(needs, tf.int64)) - 1,
                         tf.range(count, dtype=tf.int64))
        per_piece = tf.gather(combined, index)
        return tf.RaggedTensor.from_row_splits(per_piece, ids.row_splits).merge_dims(1, 2)

    def pack(self, segments, seq_length=None):
        """Packs 1-2 id segments as `A <sep> B <sep> <cls>`, padded on the left.

        Args:
            segments: list of 1-2 int ragged tensors `[batch, (pieces)]`.
            seq_length: packed length (default `self.seq_length`).

        Returns:
            dict of int32 `[batch, seq_length]` `token_ids`, `segment_ids`
            (0 A, 1 B, 2 `<cls>`, 4 padding), `padding_mask`.
        """
        return pack_segments(
            segments, self.seq_length if seq_length is None else seq_length,
            end_id=self.sep_id, pad_id=self.piece_ids["<pad>"], cls_id=self.cls_id,
            padding_side="left", cls_segment_id=SEG_ID_CLS, pad_segment_id=SEG_ID_PAD)

    def get_config(self):
        config = super().get_config()
        config.update(lower_case=self.lower_case, keep_accents=self.keep_accents,
                      remove_space=self.remove_space)
        return config
