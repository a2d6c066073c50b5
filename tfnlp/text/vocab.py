"""WordPiece vocabularies: load, validate, write and learn them.

A vocab file has one token per line, UTF-8, and the BERT special tokens
(`SPECIAL_TOKENS`) with `[PAD]` at id 0. Learning uses tensorflow-text's
`bert_vocab_from_dataset`, so the words are split exactly as BERT's basic
tokenizer (and our `BertPreprocessor`) splits them.

Example:

>>> from tfnlp.text.vocab import load_vocab
>>> vocab = load_vocab("vocab.txt")          # doctest: +SKIP
>>> vocab[0]                                   # doctest: +SKIP
'[PAD]'
"""

import os
import tempfile

from tfnlp.errors import TfnlpError

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def validate_vocab(tokens, source="vocabulary"):
    """Checks that a token list is a usable BERT WordPiece vocabulary.

    Args:
      tokens: list of str, the vocabulary in id order.
      source: what to call it in error messages (a file name, say).

    Returns:
      The same list, as a list of str.

    Raises:
      TfnlpError: if it is empty, has non-string or duplicate tokens, lacks
        any special token, or `[PAD]` is not id 0.

    Example:

    >>> validate_vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"])
    ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a']
    """
    tokens = list(tokens)
    if not tokens:
        raise TfnlpError(f"{source}: the vocabulary is empty")
    bad = [t for t in tokens if not isinstance(t, str) or not t or t != t.strip()]
    if bad:
        raise TfnlpError(
            f"{source}: tokens must be non-empty strings without surrounding "
            f"whitespace; bad tokens: {bad[:5]!r}")
    missing = [t for t in SPECIAL_TOKENS if t not in tokens]
    if missing:
        raise TfnlpError(
            f"{source}: the vocabulary lacks the special tokens {missing}; "
            f"it needs all of {SPECIAL_TOKENS} with [PAD] first")
    if tokens[0] != "[PAD]":
        raise TfnlpError(
            f"{source}: [PAD] must be id 0 (the first line), but it is id "
            f"{tokens.index('[PAD]')} and id 0 is {tokens[0]!r}")
    seen, dupes = set(), []
    for t in tokens:
        if t in seen:
            dupes.append(t)
        seen.add(t)
    if dupes:
        raise TfnlpError(f"{source}: duplicate tokens in the vocabulary: {dupes[:5]!r}")
    return tokens


def load_vocab(path):
    """Reads and validates a vocab file (one token per line, UTF-8).

    Args:
      path: path of the vocab file.

    Returns:
      list of str, the tokens in id order.

    Raises:
      TfnlpError: if the file is missing, not UTF-8, empty, or not a valid
        BERT vocabulary (see `validate_vocab`).

    Example:

    >>> tokens = load_vocab("/path/to/vocab.txt")   # doctest: +SKIP
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise TfnlpError(f"vocab file not found: {path}")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise TfnlpError(
            f"{path}: not UTF-8 (byte offset {e.start}, line {line}); "
            "save the vocab file as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise TfnlpError(f"{path}: the vocab file is empty")
    return validate_vocab([ln.strip() for ln in lines], source=path)


def write_vocab(tokens, path):
    """Writes a vocabulary, one token per line, atomically (temp + rename).

    Args:
      tokens: list of str; validated with `validate_vocab` first.
      path: destination file; its folder is created if needed.

    Returns:
      The path written, as str.

    Example:

    >>> write_vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], "v.txt")  # doctest: +SKIP
    'v.txt'
    """
    path = os.fspath(path)
    tokens = validate_vocab(tokens, source=path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".vocab-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(tokens) + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def learn_wordpiece_vocab(files, vocab_size, lower_case=True,
                          reserved_tokens=None, max_lines=None,
                          upper_thresh=10_000_000, lower_thresh=10,
                          num_iterations=4, max_token_length=50,
                          max_unique_chars=1000, slack_ratio=0.05,
                          include_joiner_token=True):
    """Learns a BERT WordPiece vocabulary from text files.

    Text is normalized as `BertPreprocessor` does it (lower case + NFD +
    accent stripping when `lower_case`, as BERT uncased; only control
    characters removed in cased mode), words are split with tensorflow-text's
    BERT basic tokenizer, and the vocabulary is learnt by
    `tensorflow_text.tools.wordpiece_vocab.bert_vocab_from_dataset`.

    Args:
      files: a path, a comma-separated list or glob of paths, or a list of them
        (the corpus; blank lines are ignored).
      vocab_size: maximum size, special tokens included (the learner may
        return up to `slack_ratio` fewer).
      lower_case: True for an uncased vocabulary, False for cased.
      reserved_tokens: extra tokens to keep after `SPECIAL_TOKENS`
        (e.g. `["[unused0]"]`).
      max_lines: read at most this many non-blank lines (None = all).
      upper_thresh, lower_thresh, num_iterations, max_token_length,
      max_unique_chars, slack_ratio, include_joiner_token: passed to the
        tf-text learner (see `wordpiece_tokenizer_learner_lib.learn`).

    Returns:
      list of str: `SPECIAL_TOKENS` + reserved tokens, then the learnt pieces.

    Raises:
      TfnlpError: for a bad `vocab_size`, missing/empty/non-UTF-8 files.

    Example:

    >>> vocab = learn_wordpiece_vocab("corpus.txt", 8000)   # doctest: +SKIP
    >>> write_vocab(vocab, "vocab.txt")                      # doctest: +SKIP
    """
    import tensorflow as tf
    from tensorflow_text.tools.wordpiece_vocab import bert_vocab_from_dataset as bv

    from tfnlp.text.corpus import iter_lines
    from tfnlp.text.normalization import normalize_text

    specials = list(SPECIAL_TOKENS) + [t for t in (reserved_tokens or [])
                                       if t not in SPECIAL_TOKENS]
    if not isinstance(vocab_size, int) or vocab_size <= len(specials):
        raise TfnlpError(
            f"vocab_size={vocab_size!r} is too small: it must be an int above "
            f"the {len(specials)} reserved/special tokens")
    lines = []
    for line in iter_lines(files):
        if line:
            lines.append(line)
            if max_lines and len(lines) >= max_lines:
                break
    if not lines:
        raise TfnlpError(f"{files}: the corpus has no text to learn a vocabulary from")
    # Normalize exactly as BertPreprocessor will, then split words with the
    # BERT basic tokenizer without its own (NFKC) lower-casing.
    dataset = tf.data.Dataset.from_tensor_slices(lines).batch(1024).map(
        lambda s: normalize_text(s, lower_case))
    params = {}
    vocab = bv.bert_vocab_from_dataset(
        dataset, vocab_size=vocab_size, reserved_tokens=specials,
        bert_tokenizer_params=params,
        learn_params=dict(upper_thresh=upper_thresh, lower_thresh=lower_thresh,
                          num_iterations=num_iterations,
                          max_input_tokens=-1,
                          max_token_length=max_token_length,
                          max_unique_chars=max_unique_chars,
                          slack_ratio=slack_ratio,
                          include_joiner_token=include_joiner_token))
    # The learner puts the reserved tokens first; drop any repeats after them.
    out, seen = [], set()
    for t in specials + [v for v in vocab if v not in specials]:
        if t not in seen and t.strip() == t and t:
            out.append(t)
            seen.add(t)
    if len(out) > vocab_size:
        # The learner's threshold search can overshoot on small corpora. Cut
        # the rarest multi-character pieces (it orders them by count), never
        # a character: that would turn words into [UNK].
        def is_char(t):
            return len(t) == 1 or (t.startswith("##") and len(t) == 3)
        n_keep = len(specials) + sum(1 for t in out[len(specials):] if is_char(t))
        if n_keep > vocab_size:
            raise TfnlpError(
                f"vocab_size={vocab_size} is too small for this corpus: it has "
                f"{n_keep - len(specials)} single-character pieces (with and "
                "without ##) that must all be kept; raise vocab_size or lower "
                "max_unique_chars")
        budget = vocab_size - n_keep
        trimmed = []
        for i, t in enumerate(out):
            if i < len(specials) or is_char(t):
                trimmed.append(t)
            elif budget > 0:
                trimmed.append(t)
                budget -= 1
        out = trimmed
    return out
