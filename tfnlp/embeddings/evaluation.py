"""Intrinsic evaluation of word vectors: Google's analogies and word similarity.

The rules are gensim's (`KeyedVectors.evaluate_word_analogies` and
`evaluate_word_pairs`), so numbers compare across tools:

- only the first `restrict_vocab` words (frequency order) are searched and
  known; with `case_insensitive`, words compare upper-cased and a word's
  first (most frequent) case variant stands for it;
- a question or pair with a word outside that vocabulary is skipped and
  counted (`skipped`);
- analogy "a : b :: c : ?" is answered by the best word other than a, b,
  c under 3CosAdd (gensim's `most_similar`) or 3CosMul (Levy & Goldberg
  2014, gensim's `most_similar_cosmul` formula);
- similarity is the cosine; the score is Spearman's rank correlation with
  the human judgements (average ranks for ties, as `scipy.stats.spearmanr`).

The test sets are the files gensim ships (`gensim/test/test_data/`):
`questions-words.txt` (19,544 questions, 14 sections), `wordsim353.tsv`,
`simlex999.txt`.

Example:

>>> from tfnlp.embeddings.vectors import load_glove_6b_50d
>>> glove = load_glove_6b_50d()                                       # doctest: +SKIP
>>> round(evaluate_analogies(glove, restrict_vocab=30000)["accuracy"], 3)  # doctest: +SKIP
0.497
"""

import importlib.util
import os

import numpy as np

from tfnlp.errors import TfnlpError

ANALOGIES = "questions-words.txt"
WORDSIM353 = "wordsim353.tsv"
SIMLEX999 = "simlex999.txt"
_TOP = 5  # candidates gensim looks through for one that is not a query word


def gensim_data_path(name):
    """Path of one of the evaluation files gensim ships.

    Args:
        name: `questions-words.txt`, `wordsim353.tsv`, `simlex999.txt`.

    Returns:
        str.

    Raises:
        TfnlpError: gensim is not installed.
    """
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise TfnlpError(f"the evaluation file {name} ships with gensim; "
                         "`pip install gensim==4.4.0`")
    path = os.path.join(list(spec.submodule_search_locations)[0], "test", "test_data", name)
    if not os.path.isfile(path):
        raise TfnlpError(f"{path}: not found in this gensim install")
    return path


def read_analogies(path):
    """Reads an analogy file: `: section` lines, then `a b c d` lines.

    Args:
        path: the file (Google's `questions-words.txt` format).

    Returns:
        list of `(section, [(a, b, c, d), ...])`.

    Raises:
        TfnlpError: missing file, or a file in another format (names the line).
    """
    if not os.path.isfile(path):
        raise TfnlpError(f"{path}: analogy file not found")
    sections = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise TfnlpError(f"{path}:{number}: not valid UTF-8") from None
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            if not line.strip():
                continue
            words = line.split()
            if not sections:
                raise TfnlpError(f"{path}:{number}: not an analogy file: expected a "
                                 "': section' line before the questions")
            if len(words) != 4:
                raise TfnlpError(f"{path}:{number}: not an analogy line: expected 4 words "
                                 f"'a b c d', got {len(words)} ({line.strip()[:60]!r})")
            sections[-1][1].append(tuple(words))
    if not any(questions for _, questions in sections):
        raise TfnlpError(f"{path}: no analogy questions found")
    return sections


def _known_vocab(vectors, restrict_vocab, case_insensitive):
    end = len(vectors) if not restrict_vocab else min(int(restrict_vocab), len(vectors))
    known = {}
    for row in range(end - 1, -1, -1):  # the first case variant wins
        word = vectors.words[row]
        known[word.upper() if case_insensitive else word] = row
    return known, end


def evaluate_analogies(vectors, path=None, restrict_vocab=300000, case_insensitive=True,
                       method="3cosadd", batch_size=256):
    """Accuracy on an analogy set, per section and in total (gensim's rules).

    Args:
        vectors: `WordVectors` (rows in frequency order).
        path: analogy file; default Google's `questions-words.txt`.
        restrict_vocab: search and know only the first N words.
        case_insensitive: compare words upper-cased.
        method: `"3cosadd"` or `"3cosmul"`.
        batch_size: questions scored at once.

    Returns:
        dict: `accuracy` (total), `correct`, `answered`, `skipped` (questions
        with an unknown word), `questions`, `method`, `restrict_vocab`,
        `semantic` / `syntactic` accuracies (sections named `gram*` are
        syntactic), and `sections`: a list of dicts `section`, `correct`,
        `incorrect`, `accuracy`.
    """
    if method not in ("3cosadd", "3cosmul"):
        raise TfnlpError(f"unknown analogy method {method!r}; choose 3cosadd or 3cosmul")
    path = path or gensim_data_path(ANALOGIES)
    known, end = _known_vocab(vectors, restrict_vocab, case_insensitive)
    norms = vectors.norms[:end]
    safe = np.where(norms > 0, norms, 1).astype(np.float32)
    matrix = vectors.matrix[:end]
    unit = matrix / safe[:, None]
    results, skipped, total = [], 0, 0
    for name, questions in read_analogies(path):
        keyed = [tuple(w.upper() for w in q) if case_insensitive else q for q in questions]
        total += len(keyed)
        usable = [q for q in keyed if all(w in known for w in q)]
        skipped += len(keyed) - len(usable)
        correct = 0
        for start in range(0, len(usable), batch_size):
            batch = usable[start:start + batch_size]
            rows = np.array([[known[w] for w in q] for q in batch])
            scores = _analogy_scores(matrix, unit, safe, rows, method)
            correct += sum(_answer(vectors, scores[i], rows[i], q, case_insensitive) == q[3]
                           for i, q in enumerate(batch))
        results.append({"section": name, "correct": correct,
                        "incorrect": len(usable) - correct,
                        "accuracy": correct / len(usable) if usable else 0.0})

    def accuracy(sections):
        right = sum(s["correct"] for s in sections)
        answered = right + sum(s["incorrect"] for s in sections)
        return right / answered if answered else 0.0

    correct = sum(s["correct"] for s in results)
    answered = correct + sum(s["incorrect"] for s in results)
    return {
        "method": method,
        "restrict_vocab": end,
        "accuracy": accuracy(results),
        "correct": correct,
        "answered": answered,
        "skipped": skipped,
        "questions": total,
        "semantic": accuracy([s for s in results if not s["section"].startswith("gram")]),
        "syntactic": accuracy([s for s in results if s["section"].startswith("gram")]),
        "sections": results,
    }


def _analogy_scores(matrix, unit, norms, rows, method):
    """Scores `[batch, vocab]` for questions `rows [batch, 4]` (a, b, c, d)."""
    a, b, c = unit[rows[:, 0]], unit[rows[:, 1]], unit[rows[:, 2]]
    if method == "3cosadd":
        # gensim: mean of +b +c -a (each unit), divided by 3, then made unit
        mean = ((b + c) - a).astype(np.float64) / 3.0
        length = np.linalg.norm(mean, axis=1, keepdims=True)
        mean = (mean / np.where(length > 0, length, 1)).astype(np.float32)
        scores = (mean @ matrix.T) / norms[None, :]
    else:
        def shifted(v):
            return (1 + (v @ matrix.T) / norms[None, :]) / 2
        scores = shifted(b) * shifted(c) / (shifted(a) + np.float32(1e-6))
    batch = np.arange(len(rows))[:, None]
    scores[batch, rows[:, :3]] = -np.inf  # the query words are never answers
    return scores


def _answer(vectors, scores, rows, question, case_insensitive):
    """gensim's pick: of the 5 best words, the first that is not a query word."""
    top = min(_TOP, len(scores))
    best = np.argpartition(-scores, top - 1)[:top]
    best = best[np.argsort(-scores[best], kind="stable")]
    ignore = set(question[:3])
    predicted = None
    for row in best:
        predicted = vectors.words[row].upper() if case_insensitive else vectors.words[row]
        if predicted not in ignore:
            break
    return predicted


def _unit(vector):
    """gensim's `matutils.unitvec` in float32: v * float32(1 / ||v||)."""
    length = np.float32(np.linalg.norm(vector))
    if length <= 0:
        return vector
    return vector * np.float32(1.0 / float(length))


def rank_correlation(x, y):
    """Spearman's rho: Pearson's r of average ranks (as `scipy.stats.spearmanr`).

    Example:

    >>> rank_correlation([1, 2, 3, 4], [10, 20, 30, 25])
    0.8
    """
    return pearson(_average_ranks(x), _average_ranks(y))


def pearson(x, y):
    """Pearson's correlation coefficient of two sequences (float)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denominator) if denominator > 0 else float("nan")


def _average_ranks(values):
    values = np.asarray(values, np.float64)
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(len(values), np.float64)
    start = 0
    while start < len(values):
        stop = start
        while stop + 1 < len(values) and sorted_values[stop + 1] == sorted_values[start]:
            stop += 1
        ranks[order[start:stop + 1]] = (start + stop) / 2.0 + 1.0
        start = stop + 1
    return ranks


def evaluate_word_pairs(vectors, path, delimiter="\t", restrict_vocab=300000,
                        case_insensitive=True):
    """Spearman (and Pearson) correlation of cosines with human similarity scores.

    Args:
        vectors: `WordVectors`.
        path: a pairs file: `word1<TAB>word2<TAB>score` lines, `#` comments
            (`wordsim353.tsv`, `simlex999.txt`).
        delimiter: field separator.
        restrict_vocab: know only the first N words.
        case_insensitive: compare words upper-cased.

    Returns:
        dict: `spearman`, `pearson`, `pairs` (scored), `skipped` (with an
        unknown word), `oov_ratio` (percent).

    Raises:
        TfnlpError: missing file, a line in another format, no pair scored.
    """
    if not os.path.isfile(path):
        raise TfnlpError(f"{path}: word-pairs file not found")
    known, _ = _known_vocab(vectors, restrict_vocab, case_insensitive)
    gold, model, skipped = [], [], 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split(delimiter)
            try:
                a, b, score = fields
                score = float(score)
            except ValueError:
                raise TfnlpError(f"{path}:{number}: expected 'word1{delimiter!r}word2"
                                 f"{delimiter!r}score', got {line.strip()[:60]!r}") from None
            if case_insensitive:
                a, b = a.upper(), b.upper()
            if a not in known or b not in known:
                skipped += 1
                continue
            gold.append(score)
            model.append(float(np.dot(_unit(vectors.matrix[known[a]]),
                                      _unit(vectors.matrix[known[b]]))))
    if not gold:
        raise TfnlpError(f"{path}: no pair has both words in the vocabulary "
                         f"({skipped} skipped)")
    return {"spearman": rank_correlation(gold, model), "pearson": pearson(gold, model),
            "pairs": len(gold), "skipped": skipped,
            "oov_ratio": 100.0 * skipped / (len(gold) + skipped)}


def evaluate_all(vectors, restrict_vocab=30000, case_insensitive=True, methods=("3cosadd",)):
    """The standard report: analogies (each method), WordSim-353, SimLex-999.

    Args:
        vectors: `WordVectors`.
        restrict_vocab: as in `evaluate_analogies` (word pairs use it too).
        case_insensitive: compare words upper-cased.
        methods: analogy methods to run.

    Returns:
        dict of flat floats/ints: `analogy_<method>`, `analogy_<method>_semantic`,
        `analogy_<method>_syntactic`, `analogy_answered`, `analogy_skipped`,
        `ws353_spearman`, `simlex_spearman`, `ws353_skipped`, `simlex_skipped`.
    """
    report = {}
    for method in methods:
        result = evaluate_analogies(vectors, restrict_vocab=restrict_vocab,
                                    case_insensitive=case_insensitive, method=method)
        report[f"analogy_{method}"] = result["accuracy"]
        report[f"analogy_{method}_semantic"] = result["semantic"]
        report[f"analogy_{method}_syntactic"] = result["syntactic"]
        report["analogy_answered"] = result["answered"]
        report["analogy_skipped"] = result["skipped"]
    for key, name in (("ws353", WORDSIM353), ("simlex", SIMLEX999)):
        try:
            result = evaluate_word_pairs(vectors, gensim_data_path(name),
                                         restrict_vocab=restrict_vocab,
                                         case_insensitive=case_insensitive)
        except TfnlpError as error:
            if "no pair has both words" not in str(error):
                raise
            result = {"spearman": float("nan"), "skipped": -1}
        report[f"{key}_spearman"] = result["spearman"]
        report[f"{key}_skipped"] = result["skipped"]
    return report
