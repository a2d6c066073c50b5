"""NER (token classification) as a fine-tuning task: CoNLL in, conlleval out.

Each word's tag is predicted at its first piece (see
`tfnlp.tasks.conll_features`); other positions carry sample weight 0.

Example:

>>> task = NerTask(source.tokenizer, seq_length=128)                # doctest: +SKIP
>>> train = task.read_train("train.conll")   # sets task.tag_vocab   # doctest: +SKIP
"""

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.tasks.conll import build_tag_vocab, read_conll
from tfnlp.tasks.conll_features import IGNORE_LABEL, conll_to_features, word_predictions
from tfnlp.tasks.conlleval import conlleval
from tfnlp.tasks.packing import WordPieces
from tfnlp.tasks.task_split import INPUT_NAMES, TaskSplit


def entities(words, tags):
    """IOB2 chunks as `{"text", "type", "start", "end"}` (word indices, end exclusive).

    Args:
        words: list of str.
        tags: list of IOB2 tags.

    Returns:
        list of dict.

    Example:
        >>> entities(["John", "Smith", "ran"], ["B-PER", "I-PER", "O"])
        [{'text': 'John Smith', 'type': 'PER', 'start': 0, 'end': 2}]
    """
    out, start, kind = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, tag_kind = tag.partition("-")
        if start is not None and (prefix != "I" or tag_kind != kind):
            out.append({"text": " ".join(words[start:i]), "type": kind, "start": start, "end": i})
            start = None
        if prefix == "B" or (prefix == "I" and start is None):
            start, kind = i, tag_kind
    return out


class NerTask:
    """CoNLL (word ... tag, blank line between sentences) → tag per word.

    Args:
        tokenizer: the encoder's family `Tokenizer`.
        seq_length: window length in pieces; longer sentences are split
            into several windows (every word is predicted once).
        meta: optional dict from `meta` (a saved task): the tag vocabulary.

    Example:

    >>> task.read_eval("dev.conll")      # doctest: +SKIP
    """

    name = "ner"

    def __init__(self, tokenizer, seq_length, meta=None):
        self.tokenizer = tokenizer
        self.word_pieces = WordPieces(tokenizer)
        self.seq_length = seq_length
        self.tag_vocab = list(meta["tags"]) if meta else None

    @property
    def num_labels(self):
        """int: number of tags."""
        return len(self.tag_vocab)

    @property
    def meta(self):
        """dict saved in task.json: `tags`."""
        return {"tags": list(self.tag_vocab)}

    def _split(self, sentences, labeled=True):
        pairs = [(s.words, s.tags if labeled else None) for s in sentences]
        feats = conll_to_features(pairs, self.tokenizer, self.tag_vocab, self.seq_length,
                                  word_pieces=self.word_pieces)
        x = {k: feats[k] for k in INPUT_NAMES}
        labels = feats["label_ids"]
        y = {"logits": np.where(labels == IGNORE_LABEL, 0, labels).astype(np.int32)}
        weights = {"logits": (labels != IGNORE_LABEL).astype(np.float32)}
        return TaskSplit(x=x, y=y if labeled else None,
                         sample_weight=weights if labeled else None,
                         extra={"sentences": sentences, "features": feats})

    def read_train(self, path):
        """Reads training sentences and fixes the tag vocabulary.

        Args:
            path: CoNLL file (IOB1 or IOB2; converted to IOB2).

        Returns:
            A `TaskSplit`.
        """
        sentences = read_conll(path)
        self.tag_vocab = build_tag_vocab(sentences)
        if len(self.tag_vocab) < 2:
            raise TfnlpError(f"{path}: every tag is 'O'; NER training needs entities.")
        return self._split(sentences)

    def read_eval(self, path):
        """Reads labeled eval sentences.

        Args:
            path: CoNLL file.

        Returns:
            A `TaskSplit`.

        Raises:
            TfnlpError: a tag unseen in training (named, with its line).
        """
        sentences = read_conll(path)
        known = set(self.tag_vocab)
        for sentence in sentences:
            for tag, line in zip(sentence.tags, sentence.lines or [None] * len(sentence.tags)):
                if tag not in known:
                    raise TfnlpError(
                        f"{path}:{line}: tag {tag!r} does not occur in the training tags "
                        f"{self.tag_vocab}; fix the tag or train with it.")
        return self._split(sentences)

    def losses(self):
        """dict output -> Keras loss (mean over labeled positions)."""
        import keras

        return {"logits": keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight")}

    def _word_tags(self, split, outputs):
        predicted = np.asarray(outputs["logits"]).argmax(-1)
        lengths = [len(s.words) for s in split.extra["sentences"]]
        return word_predictions(split.extra["features"], predicted, lengths, self.tag_vocab)

    def score(self, split, outputs):
        """conlleval precision / recall / F1 (entity level) and tag accuracy.

        Args:
            split: from `read_eval`.
            outputs: dict with `logits` `[N, seq_length, num_tags]`.

        Returns:
            dict `precision`, `recall`, `f1`, `accuracy` (percent), `sentences`.
        """
        guessed = self._word_tags(split, outputs)
        gold = [s.tags for s in split.extra["sentences"]]
        result = conlleval(gold, guessed)
        return {"precision": result.precision, "recall": result.recall, "f1": result.f1,
                "accuracy": result.accuracy, "sentences": len(gold)}

    def read_inputs(self, texts, texts_b=None):
        """Sentences to tag, each split on whitespace into words.

        Args:
            texts: list of str.
            texts_b: must be None.

        Returns:
            A `TaskSplit`.
        """
        from tfnlp.tasks.conll import TaggedSentence

        if texts_b is not None:
            raise TfnlpError("--text_b is for classification pairs and SQuAD; NER takes --text only.")
        sentences = []
        for i, text in enumerate(texts):
            words = text.split()
            if not words:
                raise TfnlpError(f"input {i + 1} is empty; give a sentence to tag.")
            sentences.append(TaggedSentence(words, None, []))
        return self._split(sentences, labeled=False)

    def read_input_file(self, path):
        """Prediction input: a CoNLL file (`.conll`), else one sentence per line.

        Args:
            path: the file.

        Returns:
            A `TaskSplit`.
        """
        if str(path).endswith((".conll", ".conllu", ".iob", ".bio")):
            return self.read_inputs([" ".join(s.words) for s in read_conll(path)])
        try:
            with open(path, encoding="utf-8") as f:
                lines = [line.strip() for line in f if line.strip()]
        except (OSError, UnicodeDecodeError) as e:
            raise TfnlpError(f"{path}: cannot read ({e})") from e
        if not lines:
            raise TfnlpError(f"{path}: empty; give one sentence per line.")
        return self.read_inputs(lines)

    def predictions(self, split, outputs):
        """One dict per sentence: `words`, `tags`, `entities`.

        Args:
            split: from `read_inputs`.
            outputs: dict with `logits`.

        Returns:
            list of dict.
        """
        tags = self._word_tags(split, outputs)
        return [{"text": " ".join(s.words), "words": s.words, "tags": t,
                 "entities": entities(s.words, t)}
                for s, t in zip(split.extra["sentences"], tags)]
