"""WordNet 3.0 as real English data: a pretraining corpus and a labeled task.

WordNet comes from the Debian package `wordnet-base`
(`apt-get install -y wordnet-base`), which puts the database in
`/usr/share/wordnet/data.{noun,verb,adj,adv}`. Its licence notice is kept in
`tfnlp/data/WORDNET_LICENSE`.

- `wordnet_corpus()`: a BERT-format corpus (one sentence per line, blank line
  between documents) of the definitions and example sentences.
- `wordnet_gloss_classification()`: gloss text -> lexicographer class
  (45 classes such as `noun.animal`), as JSONL train/eval/test files.

Built files are cached under `$TFNLP_CACHE` (default `~/.cache/tfnlp`) in a
`wordnet/` folder and written atomically.

Example:

>>> from tfnlp.data.wordnet import wordnet_corpus
>>> path = wordnet_corpus()                  # doctest: +SKIP
>>> open(path).readline()                    # doctest: +SKIP
'entity: that which is perceived or known or inferred to have ...'
"""

import hashlib
import json
import os
import random
import re

from tfnlp.data.cache import cache_folder
from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write, atomic_write_text, read_jsonl

WORDNET_DIR = "/usr/share/wordnet"
POS_FILES = ("noun", "verb", "adj", "adv")
_FORMAT_VERSION = "v1"

# lexnames(5WN): lexicographer file number -> name. The 45 class labels.
WORDNET_LEXNAMES = [
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal",
    "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
    "noun.communication", "noun.event", "noun.feeling", "noun.food",
    "noun.group", "noun.location", "noun.motive", "noun.object",
    "noun.person", "noun.phenomenon", "noun.plant", "noun.possession",
    "noun.process", "noun.quantity", "noun.relation", "noun.shape",
    "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change",
    "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion",
    "verb.motion", "verb.perception", "verb.possession", "verb.social",
    "verb.stative", "verb.weather", "adj.ppl",
]

_ADJ_MARKER = re.compile(r"\((?:a|p|ip)\)$")
_QUOTED = re.compile(r'"([^"]*)"')


def wordnet_cache_dir(cache_dir=None):
    """Returns (and creates) tfnlp's cache folder for WordNet files.

    Args:
      cache_dir: folder to use; default `$TFNLP_CACHE/wordnet` or
        `~/.cache/tfnlp/wordnet`.

    Returns:
      str, an existing folder.
    """
    return cache_folder("wordnet", cache_dir)


def wordnet_dir(path=None):
    """Finds the WordNet database folder.

    Args:
      path: folder holding `data.noun` etc.; default `$WNSEARCHDIR` or
        `/usr/share/wordnet`.

    Returns:
      str, the folder.

    Raises:
      TfnlpError: if the data files are not there, with the install command.
    """
    path = os.fspath(path or os.environ.get("WNSEARCHDIR") or WORDNET_DIR)
    missing = [f"data.{p}" for p in POS_FILES
               if not os.path.isfile(os.path.join(path, f"data.{p}"))]
    if missing:
        raise TfnlpError(
            f"WordNet 3.0 is not installed: {', '.join(missing)} not found in "
            f"{path}; install it with `apt-get install -y wordnet-base` "
            "(or set WNSEARCHDIR to a folder with the WordNet data files)")
    return path


def parse_data_line(line):
    """Parses one line of a WordNet `data.*` file.

    Args:
      line: str, a synset line (not a licence header line).

    Returns:
      dict with `offset` (str), `lexname` (e.g. "noun.animal"), `pos`
      ("n", "v", "a", "s", "r"), `words` (list of str, underscores as spaces),
      `definition` (str) and `examples` (list of str).

    Raises:
      TfnlpError: if the line does not have the data-file layout.

    Example:

    >>> s = parse_data_line('02084071 05 n 02 dog 0 domestic_dog 0 000 | a member of the genus Canis; "the dog barked"')
    >>> s["lexname"], s["words"], s["examples"]
    ('noun.animal', ['dog', 'domestic dog'], ['the dog barked'])
    """
    head, sep, gloss = line.partition("|")
    fields = head.split()
    try:
        offset, lex_filenum, ss_type = fields[0], int(fields[1]), fields[2]
        w_cnt = int(fields[3], 16)
        words = []
        for i in range(w_cnt):
            word = _ADJ_MARKER.sub("", fields[4 + 2 * i])
            words.append(word.replace("_", " "))
        lexname = WORDNET_LEXNAMES[lex_filenum]
    except (IndexError, ValueError):
        raise TfnlpError(f"not a WordNet data line: {line[:80]!r}") from None
    if not sep:
        raise TfnlpError(f"WordNet data line without a gloss: {line[:80]!r}")
    gloss = gloss.strip()
    examples = [e.strip() for e in _QUOTED.findall(gloss) if e.strip()]
    definition = _QUOTED.sub("", gloss)
    definition = re.sub(r"(\s*;\s*)+", "; ", definition).strip(" ;")
    return {"offset": offset, "lexname": lexname, "pos": ss_type,
            "words": words, "definition": definition, "examples": examples}


def iter_synsets(path=None, pos_files=POS_FILES):
    """Yields the parsed synsets of WordNet, file by file, in offset order.

    Args:
      path: WordNet folder (see `wordnet_dir`).
      pos_files: which of "noun", "verb", "adj", "adv" to read.

    Returns:
      An iterator of dicts as from `parse_data_line`.

    Example:

    >>> next(iter_synsets())["words"]        # doctest: +SKIP
    ['entity']
    """
    folder = wordnet_dir(path)
    for pos in pos_files:
        with open(os.path.join(folder, f"data.{pos}"), encoding="utf-8",
                  errors="strict") as f:
            for line in f:
                if line.startswith("  ") or not line.strip():
                    continue  # the licence header lines start with two spaces
                yield parse_data_line(line)


def _synset_sentences(s):
    sentences = []
    if s["definition"]:
        sentences.append(f"{', '.join(s['words'])}: {s['definition']}")
    sentences.extend(s["examples"])
    return sentences


def wordnet_corpus(cache_dir=None, min_synsets=10, max_synsets=30, seed=0,
                   wordnet_path=None, exclude_test_percent=0):
    """Builds (once) a BERT-format English corpus from WordNet glosses.

    Each document is a run of consecutive synsets from the same
    lexicographer file (between `min_synsets` and `max_synsets`, drawn with
    `seed`); each sentence is on its own line: the definition, led by the
    synset's words ("dog, domestic dog, Canis familiaris: a member of the
    genus Canis ..."), then each quoted example sentence.

    Args:
      cache_dir: output folder (see `wordnet_cache_dir`).
      min_synsets, max_synsets: document size range, in synsets.
      seed: seed for the document sizes.
      wordnet_path: WordNet folder (see `wordnet_dir`).
      exclude_test_percent: leave out the synsets of this held-out share
        (by a hash of the synset offset, as `is_test_synset`), e.g. those
        `wordnet_cloze` asks about.

    Returns:
      str, path of the corpus text file (about 11 MB).

    Raises:
      TfnlpError: if WordNet is not installed (says how to install it).

    Example:

    >>> from tfnlp.text.corpus import read_documents
    >>> docs = read_documents(wordnet_corpus())   # doctest: +SKIP
    """
    if not 1 <= min_synsets <= max_synsets:
        raise TfnlpError(
            f"need 1 <= min_synsets <= max_synsets, got {min_synsets}, {max_synsets}")
    folder = wordnet_cache_dir(cache_dir)
    wordnet_dir(wordnet_path)
    held_out = f"_x{exclude_test_percent:g}" if exclude_test_percent else ""
    name = (f"wordnet30_corpus_{_FORMAT_VERSION}_{min_synsets}-{max_synsets}_s{seed}"
            f"{held_out}.txt")
    path = os.path.join(folder, name)
    if os.path.isfile(path):
        return path
    rng = random.Random(seed)

    def write(f):
        doc, lexname, target = [], None, rng.randint(min_synsets, max_synsets)
        n_synsets = 0
        for s in iter_synsets(wordnet_path):
            if exclude_test_percent and is_test_synset(s, exclude_test_percent):
                continue
            if doc and (s["lexname"] != lexname or n_synsets >= target):
                f.write("\n".join(doc) + "\n\n")
                doc, n_synsets = [], 0
                target = rng.randint(min_synsets, max_synsets)
            lexname = s["lexname"]
            sentences = _synset_sentences(s)
            if sentences:
                doc.extend(sentences)
                n_synsets += 1
        if doc:
            f.write("\n".join(doc) + "\n")

    atomic_write(path, write)
    return path


def is_test_synset(synset, test_percent):
    """Whether a synset is in the held-out `test_percent` share (a stable hash
    of its part of speech and offset)."""
    return _split_of(f"{synset['pos']}{synset['offset']}", 0, test_percent) == "test"


_CLOZE_WORD = re.compile(r"[a-z]{3,}")


def wordnet_cloze(word_counts, num_questions=400, num_choices=4, test_percent=5,
                  rank_window=10, min_count=3, seed=0, pos_files=("noun",),
                  wordnet_path=None):
    """Multiple-choice cloze questions: a WordNet gloss and candidate headwords.

    Each question is a held-out synset (`is_test_synset`; build the
    pretraining corpus with `wordnet_corpus(exclude_test_percent=...)` so
    the model never saw it): its definition, its first single-word
    lower-case headword as the answer, and `num_choices - 1` distractors.
    The distractors are **frequency-matched**: drawn from the headwords
    whose count in `word_counts` ranks within `rank_window` places of the
    answer's, so guessing the most frequent candidate is close to chance
    (distractors drawn at random would be rarer than typical answers and
    let a unigram guess win).

    Args:
      word_counts: dict word -> count in the pretraining text (lower-case).
      num_questions: at most this many questions (the first by a seeded
        shuffle).
      num_choices: candidates per question (>= 2).
      test_percent: the held-out share of synsets.
      rank_window: distractors come from this many frequency ranks either
        side of the answer.
      min_count: answers and distractors occur at least this often.
      seed: seed of the question order, distractors and answer position.
      pos_files: parts of speech to draw from.
      wordnet_path: WordNet folder (see `wordnet_dir`).

    Returns:
      list of dicts: `definition`, `choices` (words), `label` (the answer's
      index), `counts` (each choice's count).

    Raises:
      TfnlpError: `num_choices` < 2 or too few eligible words.

    Example:

    >>> q = wordnet_cloze({"dog": 9, "cat": 8}, num_choices=2)   # doctest: +SKIP
    >>> sorted(q[0])                                             # doctest: +SKIP
    ['choices', 'counts', 'definition', 'label']
    """
    if num_choices < 2:
        raise TfnlpError(f"num_choices must be >= 2, got {num_choices!r}")
    rng = random.Random(seed)
    pool, questions = set(), []
    for s in iter_synsets(wordnet_path, pos_files):
        words = [w for w in s["words"] if _CLOZE_WORD.fullmatch(w)
                 and word_counts.get(w, 0) >= min_count]
        pool.update(words)
        if words and s["definition"] and is_test_synset(s, test_percent):
            questions.append((s["definition"], words[0], set(s["words"])))
    ranked = sorted(pool, key=lambda w: (-word_counts[w], w))
    rank = {w: i for i, w in enumerate(ranked)}
    if len(ranked) < 2 * rank_window + 1 or not questions:
        raise TfnlpError(f"too few eligible WordNet words ({len(ranked)}) for a cloze set")
    rng.shuffle(questions)
    out = []
    for definition, answer, synonyms in questions[:num_questions]:
        i = rank[answer]
        near = [w for w in ranked[max(0, i - rank_window):i + rank_window + 1]
                if w not in synonyms]
        choices = rng.sample(near, num_choices - 1)
        label = rng.randrange(num_choices)
        choices.insert(label, answer)
        out.append({"definition": definition, "choices": choices, "label": label,
                    "counts": [word_counts[w] for w in choices]})
    return out


def _split_of(key, eval_percent, test_percent):
    h = int(hashlib.md5(key.encode("utf-8")).hexdigest(), 16) % 100
    if h < test_percent:
        return "test"
    if h < test_percent + eval_percent:
        return "eval"
    return "train"


def wordnet_gloss_classification(cache_dir=None, split=None, eval_percent=10,
                                 test_percent=10, include_examples=True,
                                 wordnet_path=None):
    """Builds (once) a sentence-classification task: gloss -> lexname.

    Each synset gives one example: `text` is its definition (plus, if
    `include_examples`, its example sentences after "; "), `label` is its
    lexicographer class, one of the 45 `WORDNET_LEXNAMES`. The synset's own
    words are left out of the text. The split is deterministic (a hash of
    the synset's part of speech and offset).

    Args:
      cache_dir: output folder (see `wordnet_cache_dir`).
      split: "train", "eval" or "test" to get one path; None for all three.
      eval_percent, test_percent: sizes of the held-out splits, in percent.
      include_examples: append the quoted example sentences to the text.
      wordnet_path: WordNet folder (see `wordnet_dir`).

    Returns:
      str path of the JSONL file for `split`, or a dict
      `{"train": path, "eval": path, "test": path}`. Each line is
      `{"text": str, "label": str}`.

    Raises:
      TfnlpError: if WordNet is not installed, or for a bad split/percent.

    Example:

    >>> paths = wordnet_gloss_classification()      # doctest: +SKIP
    >>> open(paths["train"]).readline()             # doctest: +SKIP
    '{"text": "that which is perceived ...", "label": "noun.Tops"}\\n'
    """
    splits = ("train", "eval", "test")
    if split is not None and split not in splits:
        raise TfnlpError(f"split must be one of {splits} or None, got {split!r}")
    if not (0 <= eval_percent and 0 <= test_percent and eval_percent + test_percent < 100):
        raise TfnlpError(
            f"eval_percent={eval_percent} and test_percent={test_percent} must be "
            ">= 0 and sum to under 100")
    folder = wordnet_cache_dir(cache_dir)
    wordnet_dir(wordnet_path)
    stem = (f"wordnet30_lexname_{_FORMAT_VERSION}_e{eval_percent}_t{test_percent}"
            f"{'_ex' if include_examples else ''}")
    paths = {s: os.path.join(folder, f"{stem}.{s}.jsonl") for s in splits}
    if not all(os.path.isfile(p) for p in paths.values()):
        rows = {s: [] for s in splits}
        for syn in iter_synsets(wordnet_path):
            parts = [syn["definition"]] if syn["definition"] else []
            if include_examples:
                parts += syn["examples"]
            text = "; ".join(parts).strip()
            if not text:
                continue
            which = _split_of(f"{syn['pos']}{syn['offset']}", eval_percent, test_percent)
            rows[which].append(json.dumps({"text": text, "label": syn["lexname"]},
                                          ensure_ascii=False))
        for s in splits:
            atomic_write_text(paths[s], "\n".join(rows[s]) + "\n")
    return paths if split is None else paths[split]


def sample_gloss_classification(folder, train_size, eval_size, seed=0, eval_split="eval"):
    """Writes a small gloss -> lexname task: `train_size` and `eval_size` rows.

    Rows are drawn with `seed` from `wordnet_gloss_classification()`'s train
    split and from `eval_split`; eval rows whose label is absent from the
    sampled train rows are dropped (a classifier cannot predict a class it
    never saw, and `tfnlp finetune` refuses such labels).

    Args:
      folder: output folder (created); gets `train.jsonl` and `eval.jsonl`.
      train_size: int >= 1, training rows.
      eval_size: int >= 1, evaluation rows (fewer if labels were dropped).
      seed: sampling seed.
      eval_split: "eval" or "test".

    Returns:
      dict with `train` and `eval` paths and `labels`, the sorted train labels.

    Example:

    >>> task = sample_gloss_classification("/tmp/lex", 1000, 200)  # doctest: +SKIP
    >>> len(task["labels"]) <= 45                                 # doctest: +SKIP
    True
    """
    if train_size < 1 or eval_size < 1:
        raise TfnlpError(f"train_size and eval_size must be >= 1, got {train_size}, {eval_size}")
    paths = wordnet_gloss_classification()
    rng = random.Random(seed)

    def sample(path, size, keep=None):
        rows = [record for _, record in read_jsonl(path)]
        if keep is not None:
            rows = [r for r in rows if r["label"] in keep]
        rng.shuffle(rows)
        return rows[:size]

    train = sample(paths["train"], train_size)
    labels = sorted({r["label"] for r in train})
    evaluation = sample(paths[eval_split], eval_size, keep=set(labels))
    os.makedirs(folder, exist_ok=True)
    out = {"labels": labels}
    for name, rows in (("train", train), ("eval", evaluation)):
        out[name] = os.path.join(folder, f"{name}.jsonl")
        atomic_write_text(out[name], "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                             for r in rows))
    return out
