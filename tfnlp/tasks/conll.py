"""CoNLL NER files: read, validate and convert tagging schemes, write.

Format: one token per line, whitespace-separated columns, the LAST column is
the tag; a blank line ends a sentence; `-DOCSTART-` lines are skipped. Tags
are `O`, `B-TYPE` or `I-TYPE`.

Schemes:
- IOB2 ("bio"): every chunk starts with `B-`; `I-X` only continues a chunk of
  type X.
- IOB1 ("iob1", the original CoNLL-2003 files): chunks start with `I-`; `B-X`
  is used only to split two adjacent chunks of the same type.
"""

import dataclasses

from tfnlp.errors import TfnlpError

SCHEMES = ("auto", "bio", "iob1")


@dataclasses.dataclass
class TaggedSentence:
    """One sentence: words, their IOB2 tags and the file line of each word."""

    words: list
    tags: list
    lines: list = dataclasses.field(default_factory=list)


def split_tag(tag):
    """Split `B-PER` into `("B", "PER")`; `O` into `("O", "")`.

    Args:
      tag: a tag string.

    Returns:
      `(prefix, type)`.

    Example:
      >>> split_tag("I-MISC")
      ('I', 'MISC')
    """
    if tag == "O":
        return "O", ""
    prefix, sep, kind = tag.partition("-")
    return prefix, kind


def _check_tag(tag, where):
    prefix, kind = split_tag(tag)
    if prefix == "O":
        return
    if prefix not in ("B", "I") or not kind:
        raise TfnlpError(
            f"{where}: tag {tag!r} is not O, B-TYPE or I-TYPE (only BIO/IOB1 tagging is supported)"
        )


def iob2_violation(tags):
    """Index of the first tag that breaks IOB2, or None if the tags are IOB2.

    An `I-X` that does not follow `B-X` or `I-X` breaks IOB2.

    Args:
      tags: list of well-formed tags.

    Returns:
      An int index or None.

    Example:
      >>> iob2_violation(["O", "I-PER"])
      1
    """
    prev = "O"
    for i, tag in enumerate(tags):
        prefix, kind = split_tag(tag)
        if prefix == "I":
            p_prefix, p_kind = split_tag(prev)
            if p_prefix == "O" or p_kind != kind:
                return i
        prev = tag
    return None


def iob1_to_iob2(tags):
    """Convert IOB1 tags to IOB2: an `I-X` that starts a chunk becomes `B-X`.

    Args:
      tags: list of tags.

    Returns:
      A new list of IOB2 tags. IOB2 input comes back unchanged.

    Example:
      >>> iob1_to_iob2(["I-PER", "I-PER", "B-PER", "O", "I-LOC"])
      ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC']
    """
    out = []
    prev = "O"
    for tag in tags:
        prefix, kind = split_tag(tag)
        if prefix == "I":
            p_prefix, p_kind = split_tag(prev)
            if p_prefix == "O" or p_kind != kind:
                tag = "B-" + kind
        out.append(tag)
        prev = tag
    return out


def read_conll(path, scheme="auto"):
    """Read a CoNLL file into IOB2-tagged sentences.

    Args:
      path: UTF-8 CoNLL file (token ... tag per line).
      scheme: "bio" to require IOB2 (an error names the first line that breaks
        it), "iob1" to convert from IOB1, "auto" to keep a file that is IOB2 and
        convert one that is not.

    Returns:
      A list of `TaggedSentence` with IOB2 tags.

    Raises:
      TfnlpError: unreadable / non-UTF-8 / empty file, a line with one column,
        a malformed tag, or (scheme "bio") a tag sequence that is not IOB2. The
        message names file and line.

    Example:
      >>> sentences = read_conll("train.conll")  # doctest: +SKIP
      >>> sentences[0].words, sentences[0].tags  # doctest: +SKIP
      (['EU', 'rejects', 'German'], ['B-ORG', 'O', 'B-MISC'])
    """
    if scheme not in SCHEMES:
        raise TfnlpError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    try:
        with open(path, "rb") as f:
            raw_lines = f.read().split(b"\n")
    except OSError as e:
        raise TfnlpError(f"{path}: cannot read file ({e.strerror})") from e
    sentences = []
    current = TaggedSentence([], [], [])
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise TfnlpError(f"{path}:{number}: not valid UTF-8 (byte {e.start})") from e
        if number == 1:
            line = line.lstrip("\ufeff")
        columns = line.split()
        if not columns or columns[0] == "-DOCSTART-":
            if current.words:
                sentences.append(current)
                current = TaggedSentence([], [], [])
            continue
        if len(columns) < 2:
            raise TfnlpError(
                f"{path}:{number}: expected 'token ... tag' (at least 2 columns), got {line.strip()!r}"
            )
        _check_tag(columns[-1], f"{path}:{number}")
        current.words.append(columns[0])
        current.tags.append(columns[-1])
        current.lines.append(number)
    if current.words:
        sentences.append(current)
    if not sentences:
        raise TfnlpError(f"{path}: no tagged tokens found (empty file?)")
    for sentence in sentences:
        bad = iob2_violation(sentence.tags)
        if bad is None:
            continue
        if scheme == "bio":
            prev = sentence.tags[bad - 1] if bad else "O"
            raise TfnlpError(
                f"{path}:{sentence.lines[bad]}: tag {sentence.tags[bad]!r} after {prev!r} does not "
                f"continue a chunk, so the file is not IOB2/BIO; if it is IOB1 (like the original "
                f"CoNLL-2003 files) read it with scheme='iob1' or 'auto'"
            )
        sentence.tags = iob1_to_iob2(sentence.tags)
    return sentences


def write_conll(path, sentences):
    """Write sentences as a two-column (word TAB tag) CoNLL file.

    Args:
      path: output file.
      sentences: `TaggedSentence`s, or `(words, tags)` pairs.

    Returns:
      The number of sentences written.

    Example:
      >>> write_conll("/tmp/x.conll", [(["Paris"], ["B-LOC"])])  # doctest: +SKIP
      1
    """
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for sentence in sentences:
            words, tags = (
                (sentence.words, sentence.tags)
                if isinstance(sentence, TaggedSentence)
                else sentence
            )
            if len(words) != len(tags):
                raise TfnlpError(
                    f"sentence {count}: {len(words)} words but {len(tags)} tags"
                )
            for word, tag in zip(words, tags):
                if not word or any(c.isspace() for c in word):
                    raise TfnlpError(f"sentence {count}: word {word!r} is empty or has whitespace")
                f.write(f"{word}\t{tag}\n")
            f.write("\n")
            count += 1
    return count


def build_tag_vocab(sentences):
    """Tag vocabulary: `O` first, then per entity type (sorted) its B- and I- tag.

    Both B- and I- tags of every type are included even if one never occurs,
    so the model can predict a well-formed sequence.

    Args:
      sentences: `TaggedSentence`s (or anything with `.tags`).

    Returns:
      A list of tags; a tag's position is its id.

    Example:
      >>> build_tag_vocab([TaggedSentence(["a", "b"], ["B-PER", "O"])])
      ['O', 'B-PER', 'I-PER']
    """
    kinds = set()
    for sentence in sentences:
        for tag in sentence.tags:
            prefix, kind = split_tag(tag)
            if prefix != "O":
                kinds.add(kind)
    vocab = ["O"]
    for kind in sorted(kinds):
        vocab += ["B-" + kind, "I-" + kind]
    return vocab
