"""Default word → word-piece tokenizer for the task feature converters.

The task converters (`conll_to_features`, `convert_squad_examples`) take any
callable `tokenize_words(words) -> list[list[int]]` plus the vocabulary (the
token of each id). This module builds one from `tensorflow_text`'s
`FastBertTokenizer`, run eagerly and batched over all words at once.
"""

from tfnlp.errors import TfnlpError

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]")


def load_vocab(vocab):
    """A vocabulary as a list of tokens, from a list or a vocab.txt path.

    Args:
      vocab: list of tokens (id = position) or path of a one-token-per-line file.

    Returns:
      A list of str.

    Raises:
      TfnlpError: unreadable file, empty or duplicate tokens.

    Example:
      >>> load_vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"])[4]
      'a'
    """
    if isinstance(vocab, str):
        try:
            with open(vocab, encoding="utf-8") as f:
                tokens = [line.rstrip("\n").rstrip("\r") for line in f]
        except (OSError, UnicodeDecodeError) as e:
            raise TfnlpError(f"{vocab}: cannot read vocab file ({e})") from e
        while tokens and tokens[-1] == "":
            tokens.pop()
        source = vocab
    else:
        tokens = list(vocab)
        source = "vocab"
    if not tokens:
        raise TfnlpError(f"{source}: the vocabulary is empty")
    seen = {}
    for i, token in enumerate(tokens):
        if token in seen:
            raise TfnlpError(
                f"{source}: token {token!r} appears twice (ids {seen[token]} and {i})"
            )
        seen[token] = i
    return tokens


def special_ids(vocab):
    """Ids of `[PAD] [UNK] [CLS] [SEP]` in a vocabulary.

    Args:
      vocab: list of tokens.

    Returns:
      Dict with keys `pad`, `unk`, `cls`, `sep`.

    Raises:
      TfnlpError: one of the special tokens is missing.

    Example:
      >>> special_ids(["[PAD]", "[UNK]", "[CLS]", "[SEP]"])["cls"]
      2
    """
    index = {token: i for i, token in enumerate(vocab)}
    missing = [t for t in SPECIAL_TOKENS if t not in index]
    if missing:
        raise TfnlpError(f"the vocabulary lacks the special tokens {missing}; add them to vocab.txt")
    return {
        "pad": index["[PAD]"], "unk": index["[UNK]"],
        "cls": index["[CLS]"], "sep": index["[SEP]"],
    }


class WordpieceWordTokenizer:
    """Callable: list of words → list of word-piece id lists (BERT rules).

    Each word goes through BERT's basic tokenizer (lower-casing and accent
    stripping if `lower_case`, punctuation split) and then WordPiece, as
    `tensorflow_text.FastBertTokenizer` does. A word may give zero pieces
    (e.g. only control characters). Results are cached per word.

    Args:
      vocab: list of tokens or path of vocab.txt; must hold [PAD] [UNK] [CLS] [SEP].
      lower_case: lower-case and strip accents (uncased BERT vocabularies).
      batch_size: words per tensorflow_text call.

    Example:
      >>> tok = WordpieceWordTokenizer("vocab.txt")  # doctest: +SKIP
      >>> tok(["Hello,", "unaffable"])  # doctest: +SKIP
      [[7592, 1010], [14477, 20961, 3468]]
    """

    def __init__(self, vocab, lower_case=True, batch_size=100_000):
        self.vocab = load_vocab(vocab)
        self.lower_case = bool(lower_case)
        self.special_ids = special_ids(self.vocab)
        self.batch_size = int(batch_size)
        self._cache = {}
        self._tokenizer = None

    def _tf_tokenizer(self):
        if self._tokenizer is None:
            import tensorflow as tf
            import tensorflow_text as tf_text

            self._tf = tf
            # Normalisation is done by `normalize_text`, as in BertPreprocessor:
            # tf-text's own lower-casing applies NFKC and disagrees with
            # released BERT vocabs on characters like "™" and "½".
            self._tokenizer = tf_text.FastBertTokenizer(
                vocab=self.vocab,
                token_out_type=tf.int64,
                unknown_token="[UNK]",
                lower_case_nfd_strip_accents=False,
            )
        return self._tokenizer

    def __call__(self, words):
        words = list(words)
        todo = sorted({w for w in words if w not in self._cache})
        if todo:
            tokenizer = self._tf_tokenizer()
            for start in range(0, len(todo), self.batch_size):
                chunk = todo[start:start + self.batch_size]
                from tfnlp.text.normalization import normalize_text

                normalized = normalize_text(self._tf.constant(chunk), self.lower_case)
                ids = tokenizer.tokenize(normalized).to_list()
                for word, pieces in zip(chunk, ids):
                    self._cache[word] = [int(i) for i in pieces]
        return [list(self._cache[w]) for w in words]

    def tokenize_text(self, text):
        """Word-piece ids of a whole string (split on whitespace first)."""
        return [i for pieces in self(text.split()) for i in pieces]
