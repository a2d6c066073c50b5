"""GCIDE (Webster's 1913 + additions) as a 40 MB English corpus of definitions.

GCIDE comes from the Debian package `dict-gcide` (`bash
scripts/install.d/gcide.sh`, or `apt-get install -y dict-gcide`), which puts
the dictionary in `/usr/share/dictd/gcide.dict.dz` (dictzip: Python's `gzip`
reads it). Licence: GPL-2+.

`gcide_corpus()` strips the dictionary markup (pronunciations, etymologies,
accent codes such as `[=a]`, source tags such as `[1913 Webster]`,
cross-reference braces, attributions such as `--Shak.`) and writes a plain
corpus: one definition, sense or quotation per line, a blank line between
entries, the first line of an entry led by its headword. It reads the
dictionary line by line, so memory stays flat; the result is cached under
`$TFNLP_CACHE/gcide` (default `~/.cache/tfnlp/gcide`) and written atomically.

Example:

>>> from tfnlp.data.gcide import gcide_corpus
>>> path = gcide_corpus()                  # doctest: +SKIP
>>> open(path).readline()                  # doctest: +SKIP
'0: Denoting a quantity or sum of zero.\\n'
"""

import gzip
import hashlib
import io
import os
import re

from tfnlp.data.cache import cache_folder
from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write

GCIDE_DICT = "/usr/share/dictd/gcide.dict.dz"
_FORMAT_VERSION = "v1"

# `[=a]`, `['e]`, `[i^]`, `[imac]`, `[aum]`, `[ae]`: one accented letter (or ligature).
_ACCENT = re.compile(r"\[(?:[=.^~`'\"\-*,]([A-Za-z]{1,2})|([A-Za-z]{1,2})\^|"
                     r"([A-Za-z])(?:mac|um|acute|grave|circ|cedil|tilde|ring|breve)|"
                     r"(ae|oe|AE|OE))\]")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_PRONUNCIATION = re.compile(r"\\[^\\]*\\")
_BRACES = re.compile(r"[{}]")
# `--Shak.`, `--Jer. Taylor.`, `--C. J. Smith.`: a quotation's author.
_ATTRIBUTION = re.compile(r"\s*--\s*(?:[A-Z][\w'&]*\.?\s*){1,4}")
# `(Bot.)`, `(Arch. & Mech.)`: a subject label.
_LABEL = re.compile(r"\((?:[A-Z][a-z]*\.\s*(?:&\s*)?)+\)")
# Parts of speech after the headword: `, n.`, `, v. t.`, `, a. & n.`.
_POS = re.compile(r"^[\s,;]*(?:\([^)]*\)[\s,;]*)?(?:(?:n|v|t|i|a|adj|adv|prep|conj|interj|"
                  r"pron|pl|sing|p|pr|imp|vb|superl|compar|f|m|suffix|prefix)\.[\s,;&]*)+")
_SENSE = re.compile(r"^(?:\d+\.|\([a-z]\))\s+")
_LEAD = re.compile(r"^(?:Syn|Note|Usage|Ant)\s*:\s*")
_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[A-Za-z]")


def gcide_dict_path(path=None):
    """Finds GCIDE's `gcide.dict.dz`.

    Args:
        path: the file; default `$GCIDE_DICT` or `/usr/share/dictd/gcide.dict.dz`.

    Returns:
        str, the path.

    Raises:
        TfnlpError: the file is not there (with the install command).
    """
    path = os.fspath(path or os.environ.get("GCIDE_DICT") or GCIDE_DICT)
    if not os.path.isfile(path):
        raise TfnlpError(
            f"GCIDE is not installed: {path} not found; install it with "
            "`bash scripts/install.d/gcide.sh` (or `apt-get install -y dict-gcide`), "
            "or set GCIDE_DICT to a gcide.dict.dz file")
    return path


def _decode(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # a few lines are Windows-1252


def _is_headword_line(line):
    return line[:1] not in ("", " ", "\t", "\n") and _PRONUNCIATION.search(line) is not None


def iter_entries(lines):
    """Groups dictionary lines into entries, skipping the database header.

    An entry starts at an unindented line carrying a pronunciation
    (`Abuse \\A*buse"\\, n. ...`); the `00-database-*` header entries before
    the first one are skipped.

    Args:
        lines: iterable of str (one dictionary line each).

    Returns:
        an iterator of `(headword, [lines])`, the headword line included.

    Example:

    >>> list(iter_entries(['00-database-url', '   ftp://x', 'Cat \\\\Cat\\\\, n.',
    ...                    '   An animal.']))
    [('Cat', ['Cat \\\\Cat\\\\, n.', '   An animal.'])]
    """
    headword, body = None, []
    for line in lines:
        line = line.rstrip("\n")
        if _is_headword_line(line):
            if headword is not None:
                yield headword, body
            headword, body = line.split("\\", 1)[0].strip(), [line]
        elif headword is not None:
            body.append(line)
    if headword is not None:
        yield headword, body


def _paragraphs(body):
    paragraphs, current = [], []
    for line in body:
        stripped = line.strip()
        if not stripped or (_SENSE.match(stripped) and current):
            if current:
                paragraphs.append(" ".join(current))
            current = [stripped] if stripped else []
        else:
            current.append(stripped)
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def clean_text(text):
    """Strips GCIDE markup from one paragraph of text.

    Args:
        text: str.

    Returns:
        str, the prose (may be empty).

    Example:

    >>> clean_text('To revile; to abuse. [Obs.] "Shall flight abuse your name?" --Shak.')
    'To revile; to abuse. "Shall flight abuse your name?"'
    >>> clean_text("(Bot.) A genus of {malvaceous} plants, caf[eacute] [1913 Webster]")
    'A genus of malvaceous plants, cafe'
    """
    text = _ACCENT.sub(lambda m: next(g for g in m.groups() if g), text)
    previous = None
    while previous != text:  # nested brackets, innermost first
        previous, text = text, _BRACKETS.sub(" ", text)
    text = _PRONUNCIATION.sub(" ", text)
    text = _BRACES.sub("", text)
    text = _ATTRIBUTION.sub(" ", text)
    text = _LABEL.sub(" ", text)
    text = _SENSE.sub("", text.strip())
    text = _LEAD.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    text = re.sub(r"\s+([,;.:?!])", r"\1", text)
    return text


def entry_lines(headword, body):
    """One entry's corpus lines: the headword leads the first.

    Args:
        headword: str.
        body: the entry's dictionary lines (headword line first).

    Returns:
        list of str, one definition, sense or quotation each.

    Example:

    >>> entry_lines("Abuser", ['Abuser \\\\A*bus"er\\\\, n.',
    ...     '   One who abuses [in the various senses of the verb].', '   [1913 Webster]'])
    ['Abuser: One who abuses.']
    """
    out = []
    for number, paragraph in enumerate(_paragraphs(body)):
        if number == 0:
            paragraph = paragraph[len(headword):]
            paragraph = _PRONUNCIATION.sub(" ", paragraph, count=1)
            paragraph = _POS.sub("", _BRACKETS.sub(" ", _ACCENT.sub(
                lambda m: next(g for g in m.groups() if g), paragraph)))
        text = clean_text(paragraph)
        if text.strip(" .,;:") and _LETTER.search(text):
            out.append(text)
    if out:
        out[0] = f"{headword}: {out[0]}"
    return out


def write_corpus(source, output):
    """Reads a GCIDE `.dict.dz` (streaming) and writes the plain corpus.

    Args:
        source: path of the dictzip (or gzip) dictionary.
        output: corpus file to write (atomically).

    Returns:
        dict with `entries`, `lines` and `words` (white-space separated).
    """
    stats = {"entries": 0, "lines": 0, "words": 0}

    def write(f):
        with gzip.open(source, "rb") as raw:
            lines = (_decode(line) for line in io.BufferedReader(raw, 1 << 20))
            for headword, body in iter_entries(lines):
                texts = entry_lines(headword, body)
                if not texts:
                    continue
                if stats["entries"]:
                    f.write("\n")
                f.write("\n".join(texts) + "\n")
                stats["entries"] += 1
                stats["lines"] += len(texts)
                stats["words"] += sum(len(t.split()) for t in texts)

    try:
        atomic_write(output, write)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise TfnlpError(f"{source}: cannot read this GCIDE dictionary "
                         f"({type(error).__name__}: {error})") from None
    if not stats["entries"]:
        raise TfnlpError(f"{source}: no dictionary entries found (is it a GCIDE .dict.dz?)")
    return stats


def gcide_corpus(cache_dir=None, source=None):
    """Builds (once) and returns the plain-text GCIDE corpus.

    Args:
        cache_dir: output folder; default `$TFNLP_CACHE/gcide` or
            `~/.cache/tfnlp/gcide`.
        source: the dictionary (see `gcide_dict_path`).

    Returns:
        str, path of the corpus (about 30 MB of text, 6 M words).

    Raises:
        TfnlpError: `dict-gcide` is not installed or the file is unreadable.
    """
    source = gcide_dict_path(source)
    stat = os.stat(source)
    key = hashlib.sha256(f"{os.path.abspath(source)}\0{stat.st_size}\0{stat.st_mtime_ns}"
                         .encode()).hexdigest()[:12]
    path = os.path.join(cache_folder("gcide", cache_dir),
                        f"gcide_corpus_{_FORMAT_VERSION}_{key}.txt")
    if not os.path.isfile(path):
        write_corpus(source, path)
    return path
