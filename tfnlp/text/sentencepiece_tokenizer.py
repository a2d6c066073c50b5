"""SentencePiece tokenization in-graph: load, learn, tokenize, pack.

`SentencePieceTokenizer` wraps tensorflow-text's `SentencepieceTokenizer`
(the SentencePiece C++ library as a TF op), so it runs inside `tf.data`,
TF-Hub preprocess modules and serving signatures. Its asset is one file,
`spiece.model`. `learn_sentencepiece` trains a unigram model with the
`sentencepiece` trainer.

Packing is generic and BERT-like by default (`<s> A </s> B </s>`, right
padding); `pack_segments` also does XLNet's `A <sep> B <sep> <cls>` with
left padding (`tfnlp.models.xlnet.tokenizer`).

Example:

>>> path = learn_sentencepiece("corpus.txt", "out", vocab_size=500)  # doctest: +SKIP
>>> tokenizer = SentencePieceTokenizer(path, seq_length=16)          # doctest: +SKIP
>>> tokenizer.tokenize(tf.constant(["Hello world"])).to_list()      # doctest: +SKIP
[[151, 12, 341]]
"""

import hashlib
import io
import os

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write
from tfnlp.text.segments import as_ragged_ids, pack_trimmed
from tfnlp.text.tokenizer import Tokenizer

ASSET_NAME = "spiece.model"


def _processor(model_bytes, source):
    """A `sentencepiece.SentencePieceProcessor` of `model_bytes`, or TfnlpError."""
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor()
    try:
        processor.LoadFromSerializedProto(model_bytes)
    except (RuntimeError, OSError, TypeError) as error:
        raise TfnlpError(
            f"{source}: not a SentencePiece model ({str(error).splitlines()[0][:120]}); "
            "give a .model file written by the sentencepiece trainer "
            "(`tfnlp vocab --kind=sentencepiece`)") from None
    if processor.GetPieceSize() < 1:
        raise TfnlpError(f"{source}: the SentencePiece model has no pieces")
    return processor


def model_proto(model_bytes):
    """The parsed `sentencepiece_model_pb2.ModelProto` of a checked model."""
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model_bytes)
    return proto


def resolve_model_file(path):
    """Finds the SentencePiece model file of `path`.

    Args:
        path: a `.model` file, or a folder holding `spiece.model` (or a single
            `*.model` file).

    Returns:
        str, the file path.

    Raises:
        TfnlpError: nothing found.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        candidate = os.path.join(path, ASSET_NAME)
        if os.path.isfile(candidate):
            return candidate
        models = sorted(n for n in os.listdir(path) if n.endswith(".model"))
        if len(models) == 1:
            return os.path.join(path, models[0])
        raise TfnlpError(f"{path}: no {ASSET_NAME} in this folder"
                         + (f" (and several .model files: {', '.join(models)})"
                            if models else "")
                         + "; give the SentencePiece model file itself")
    if not os.path.isfile(path):
        raise TfnlpError(f"{path}: SentencePiece model file not found")
    return path


def read_model(path):
    """Reads and checks a SentencePiece model.

    Args:
        path: as for `resolve_model_file`.

    Returns:
        (file path, model bytes, `sentencepiece.SentencePieceProcessor`).

    Raises:
        TfnlpError: missing file, or a file that is not a SentencePiece model.
    """
    path = resolve_model_file(path)
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        raise TfnlpError(f"{path}: empty file, not a SentencePiece model")
    return path, data, _processor(data, path)


def learn_sentencepiece(files, output_dir, vocab_size, max_lines=None,
                        user_defined_symbols=(), control_symbols=(),
                        lower_case=False, model_type="unigram", pad_id=-1,
                        character_coverage=0.9995, max_sentence_length=8192,
                        preprocess=None):
    """Trains a SentencePiece model on a corpus and writes `output_dir/spiece.model`.

    Args:
        files: corpus path(s) (as `tfnlp.text.corpus.expand_files`); one
            sentence per line, blank lines ignored.
        output_dir: folder to write `spiece.model` into (created).
        vocab_size: number of pieces, special pieces included (a soft
            limit: a small corpus may give fewer).
        max_lines: learn from at most this many non-blank lines.
        user_defined_symbols: pieces always kept whole, also when they occur
            in text (e.g. `("<eop>",)`).
        control_symbols: reserved pieces never produced from text (ids after
            `<unk> <s> </s>`, in order; e.g. `("<cls>", "<sep>")`).
        lower_case: case-fold while normalizing (`nmt_nfkc_cf`).
        model_type: `"unigram"` (default) or `"bpe"`.
        pad_id: id of a `<pad>` piece the trainer adds (-1: none).
        character_coverage: the trainer's character coverage.
        max_sentence_length: longest line in bytes the trainer reads.
        preprocess: optional `fn(list of str) -> list of str` applied to the
            lines first (a family's text rules, e.g. XLNet's).

    Returns:
        str, the path of the written `spiece.model`.

    Raises:
        TfnlpError: a bad `vocab_size`, an unreadable or empty corpus, or a
            vocab size the corpus cannot fill.

    Example:

    >>> learn_sentencepiece("corpus.txt", "out", 8000)    # doctest: +SKIP
    'out/spiece.model'
    """
    import sentencepiece as spm

    from tfnlp.text.corpus import iter_lines

    reserved = 3 + len(control_symbols) + len(user_defined_symbols) + (pad_id >= 0)
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size <= reserved:
        raise TfnlpError(f"vocab_size={vocab_size!r} must be an int above the "
                         f"{reserved} special pieces")
    if model_type not in ("unigram", "bpe"):
        raise TfnlpError(f"model_type={model_type!r} must be 'unigram' or 'bpe'")
    lines = []
    for line in iter_lines(files):
        if line:
            lines.append(line)
            if max_lines and len(lines) >= max_lines:
                break
    if not lines:
        raise TfnlpError(f"{files}: the corpus has no text to learn a SentencePiece model from")
    if preprocess is not None:
        lines = [line for start in range(0, len(lines), 4096)
                 for line in preprocess(lines[start:start + 4096])]
    model = io.BytesIO()
    options = dict(
        sentence_iterator=iter(lines), model_writer=model, vocab_size=vocab_size,
        model_type=model_type, character_coverage=character_coverage,
        unk_id=0, bos_id=1, eos_id=2, pad_id=pad_id,
        control_symbols=list(control_symbols) or None,
        user_defined_symbols=list(user_defined_symbols) or None,
        normalization_rule_name="nmt_nfkc_cf" if lower_case else "nmt_nfkc",
        hard_vocab_limit=False, max_sentence_length=max_sentence_length,
        num_threads=2, minloglevel=2, train_extremely_large_corpus=False)
    options = {k: v for k, v in options.items() if v is not None}
    try:
        spm.SentencePieceTrainer.train(**options)
    except RuntimeError as error:
        raise TfnlpError(f"{files}: the SentencePiece trainer failed "
                         f"({str(error).splitlines()[0][:200]}); try a smaller "
                         "vocab_size or more text") from None
    path = os.path.join(os.fspath(output_dir), ASSET_NAME)
    atomic_write(path, lambda f: f.write(model.getvalue()), binary=True)
    return path


class _SharedModelResource(tf.saved_model.experimental.TrackableResource):
    """The SentencePiece op's model resource under a shared name.

    tf-text creates the model as a kernel-owned, kernel-private resource
    (its TODO b/318839908): it is deleted when TF clears its eager kernel
    cache, which `tf.random.set_seed` (and `keras.utils.set_random_seed`)
    do, and every later call then fails with "Resource ... does not
    exist". A shared name keeps the resource in the resource manager.
    Tokenizers of the same model bytes share it.
    """

    def __init__(self, model):
        super().__init__()
        self._model = model
        self._shared_name = "tfnlp_spm_" + hashlib.sha256(model).hexdigest()[:24]
        _ = self.resource_handle  # creates the resource

    def _create_resource(self):
        from tensorflow_text.python.ops.sentencepiece_tokenizer import \
            gen_sentencepiece_tokenizer

        return gen_sentencepiece_tokenizer.sentencepiece_op(
            model=self._model, shared_name=self._shared_name)


def make_sentencepiece_op(model_bytes):
    """A `tensorflow_text.SentencepieceTokenizer` (int32 ids) whose model
    survives `tf.random.set_seed` (see `_SharedModelResource`).

    Args:
        model_bytes: the serialized SentencePiece model.

    Returns:
        the tf-text tokenizer.
    """
    tokenizer = tf_text.SentencepieceTokenizer(model=model_bytes, out_type=tf.int32)
    # The one attribute through which tf-text's ops read the model.
    tokenizer._model_resource = _SharedModelResource(model_bytes)
    return tokenizer


def _first_piece(processor, candidates):
    for piece in candidates:
        piece_id = processor.PieceToId(piece)
        if piece_id != processor.unk_id() and processor.IdToPiece(piece_id) == piece:
            return piece_id
    return None


def pack_segments(segments, seq_length, end_id, pad_id, start_id=None, cls_id=None,
                  padding_side="right", cls_segment_id=2, pad_segment_id=0):
    """Packs 1-2 ragged id segments with special tokens, trimming and padding.

    BERT-like (`start_id`, no `cls_id`): `start A end B end`, segment ids 0
    for `start`, A and its `end`, 1 for B and its `end`. XLNet-like
    (`cls_id`, no `start_id`): `A end B end cls`, with `cls` in segment
    `cls_segment_id`. Segments are trimmed round-robin to fit (as TF-Hub's
    `bert_pack_inputs`).

    Args:
        segments: 1-2 int `tf.RaggedTensor [batch, (tokens)]` (or one tensor).
        seq_length, end_id, pad_id, start_id, cls_id, padding_side,
        cls_segment_id, pad_segment_id: as `tfnlp.text.segments.pack_trimmed`.

    Returns:
        `pack_trimmed`'s dict of int32 `[batch, seq_length]` (`token_ids`,
        `segment_ids`, `padding_mask`), after checking the segment count
        and `seq_length`.

    Raises:
        TfnlpError: 0 or more than 2 segments, or `seq_length` too short.
    """
    if isinstance(segments, (tf.Tensor, tf.RaggedTensor)):
        segments = [segments]
    segments = [as_ragged_ids(s) for s in segments]
    if not 1 <= len(segments) <= 2:
        raise TfnlpError(f"pack takes 1 or 2 segments, got {len(segments)}")
    num_special = len(segments) + (start_id is not None) + (cls_id is not None)
    if isinstance(seq_length, (tf.Tensor, tf.Variable)):  # a traced length (TF-Hub's)
        seq_length = tf.cast(seq_length, tf.int32)
        checks = [tf.debugging.assert_greater_equal(
            seq_length, num_special + 1, message="seq_length is too short for the "
            "special tokens of packing")]
    elif isinstance(seq_length, bool) or not isinstance(seq_length, int) \
            or seq_length < num_special + 1:
        raise TfnlpError(f"seq_length={seq_length!r} is too short: packing "
                         f"{len(segments)} segment(s) takes {num_special} special tokens, "
                         f"so it must be at least {num_special + 1}")
    else:
        checks = []
    if padding_side not in ("right", "left"):
        raise TfnlpError(f"padding_side={padding_side!r} must be 'right' or 'left'")
    if checks:
        with tf.control_dependencies(checks):
            seq_length = tf.identity(seq_length)
    return pack_trimmed(segments, seq_length, end_id=end_id, pad_id=pad_id,
                        start_id=start_id, cls_id=cls_id, padding_side=padding_side,
                        cls_segment_id=cls_segment_id, pad_segment_id=pad_segment_id)


@keras.saving.register_keras_serializable(package="tfnlp")
class SentencePieceTokenizer(Tokenizer):
    """A SentencePiece model as an in-graph tokenizer (asset `spiece.model`).

    Special tokens come from the model: `<unk>`, the model's `<s>`/`</s>`
    (or pieces named `[CLS]`/`<cls>`, `[SEP]`/`<sep>`), its `<pad>` (or
    `[PAD]`; else `<unk>` pads, masked out anyway) and `[MASK]`/`<mask>` if
    present. Packing is BERT-like: `<s> A </s> B </s>`, padded on the right.

    Args:
        model: a `.model` file, or a folder holding `spiece.model`.
        seq_length: default packed length.
        **kwargs: `Tokenizer` / `keras.layers.Layer` arguments.

    Raises:
        TfnlpError: missing file, or a file that is not a SentencePiece model.

    Example:

    >>> tokenizer = SentencePieceTokenizer("tokenizer.model.v1", seq_length=8)  # doctest: +SKIP
    >>> tokenizer(tf.constant(["Hi"]))["token_ids"]                              # doctest: +SKIP
    """

    kind = "sentencepiece"
    padding_side = "right"
    START_PIECES = ("[CLS]", "<cls>")
    END_PIECES = ("[SEP]", "<sep>")
    PAD_PIECES = ("<pad>", "[PAD]")
    MASK_PIECES = ("<mask>", "[MASK]")

    def __init__(self, model, seq_length=128, **kwargs):
        super().__init__(seq_length=seq_length, **kwargs)
        self.model_path, self._model_bytes, processor = read_model(model)
        self._vocab_size = processor.GetPieceSize()
        self._pieces = [processor.IdToPiece(i) for i in range(self._vocab_size)]
        self._special = self._find_special_tokens(processor)
        proto = model_proto(self._model_bytes)
        self.normalizer_name = proto.normalizer_spec.name
        # piece types: 2 unknown, 3 control, 4 user-defined (words of their own)
        self._word_starts = [piece.piece.startswith("\u2581") or piece.type in (2, 3, 4)
                             for piece in proto.pieces]
        # A tf.Module attribute: tracked, exported with SavedModels.
        self.sentencepiece = make_sentencepiece_op(self._model_bytes)
        self._tokenize_graph = None

    def _find_special_tokens(self, processor):
        def own(piece_id):
            return piece_id if piece_id is not None and piece_id >= 0 else None

        pad = own(processor.pad_id())
        if pad is None:
            pad = _first_piece(processor, self.PAD_PIECES)
        return {
            "vocab_size": self._vocab_size,
            "padding_id": pad if pad is not None else processor.unk_id(),
            "start_of_sequence_id": _first_piece(processor, self.START_PIECES)
            if _first_piece(processor, self.START_PIECES) is not None
            else own(processor.bos_id()),
            "end_of_segment_id": _first_piece(processor, self.END_PIECES)
            if _first_piece(processor, self.END_PIECES) is not None
            else own(processor.eos_id()),
            "mask_id": _first_piece(processor, self.MASK_PIECES),
            "unknown_id": own(processor.unk_id()),
        }

    @property
    def vocab_size(self):
        """int: number of pieces."""
        return self._vocab_size

    @property
    def vocabulary(self):
        """list of str: the pieces, in id order."""
        return list(self._pieces)

    @property
    def special_tokens(self):
        """dict of python ints (None where the model has no such piece)."""
        return dict(self._special)

    def asset_files(self):
        """`{"spiece.model": path}`."""
        return {ASSET_NAME: self.model_path}

    def save_assets(self, directory):
        """Writes the model bytes as `directory/spiece.model`.

        Args:
            directory: output folder (created).

        Returns:
            str, the directory.
        """
        atomic_write(os.path.join(directory, ASSET_NAME),
                     lambda f: f.write(self._model_bytes), binary=True)
        return directory

    def _strings(self, strings):
        strings = tf.convert_to_tensor(strings)
        if strings.dtype != tf.string:
            raise TfnlpError(f"tokenize expects strings, got dtype {strings.dtype.name}")
        if strings.shape.rank == 0:
            strings = tf.reshape(strings, [1])
        elif strings.shape.rank is not None and strings.shape.rank > 1:
            strings = tf.reshape(strings, [-1])
        return strings

    def tokenize(self, strings):
        """Strings -> SentencePiece ids.

        Eager calls run one traced graph, built once per tokenizer (a
        fresh `tf.function` around this method, as `tf.data` pipelines and
        `tokenize_documents` make, then reuses it instead of re-tracing).

        Args:
            strings: string tensor `[batch]` (a scalar or list works too).

        Returns:
            int32 `tf.RaggedTensor [batch, (pieces)]`.
        """
        strings = self._strings(strings)
        if self._tokenize_graph is None:
            self._tokenize_graph = tf.function(
                self._tokenize_strings, input_signature=[tf.TensorSpec([None], tf.string)],
                autograph=False)
        return self._tokenize_graph(strings)

    def _tokenize_strings(self, strings):
        """The tokenization of a `[batch]` string tensor (subclasses add rules)."""
        return self.sentencepiece.tokenize(strings)

    def detokenize(self, token_ids):
        """Ids `[batch, (pieces)]` (ragged or dense) -> strings `[batch]`."""
        return self.sentencepiece.detokenize(token_ids)

    def word_starts(self):
        """Per id, whether the piece starts a word: pieces with SentencePiece's
        "▁" word-start mark, and control / unknown / user-defined pieces
        (words of their own).

        Returns:
            list of bool, `vocab_size` long.
        """
        return list(self._word_starts)

    def label_piece(self, pieces):
        """The first piece of the word that holds one of its characters.

        A word the model has no `▁word`-initial piece for starts with the
        bare word-start piece `▁`, the same id for every such word; its
        label goes on the next piece instead.

        Args:
            pieces: the word's piece ids.

        Returns:
            int, an index into `pieces`.

        Example:

        >>> tokenizer.label_piece(tokenizer.tokenize_words(["Mary"])[0])  # doctest: +SKIP
        1
        """
        if len(pieces) > 1 and self._pieces[pieces[0]] == "\u2581":
            return 1
        return 0

    def id_to_piece(self, token_ids):
        """Ids -> piece strings, in-graph (same shape)."""
        return self.sentencepiece.id_to_string(token_ids)

    def _require(self, *keys):
        missing = [k for k in keys if self._special[k] is None]
        if missing:
            raise TfnlpError(f"{self.model_path}: the SentencePiece model has no "
                             f"{', '.join(missing)} piece, needed to pack inputs")

    def pack(self, segments, seq_length=None):
        """Packs 1-2 id segments as `<s> A </s> B </s>`, padded on the right.

        Args:
            segments: list of 1-2 int ragged tensors `[batch, (pieces)]`.
            seq_length: packed length (default `self.seq_length`).

        Returns:
            dict of int32 `[batch, seq_length]` `token_ids`, `segment_ids`,
            `padding_mask`.
        """
        self._require("start_of_sequence_id", "end_of_segment_id")
        return pack_segments(
            segments, self.seq_length if seq_length is None else seq_length,
            end_id=self._special["end_of_segment_id"], pad_id=self._special["padding_id"],
            start_id=self._special["start_of_sequence_id"], padding_side="right")

    def get_config(self):
        config = super().get_config()
        config["model"] = self.model_path
        return config
