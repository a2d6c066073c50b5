"""Token-classification (NER) features from tagged sentences, and back.

Each word is split into word pieces; the word's tag id goes on its FIRST
piece, every other position (later pieces, `[CLS]`, `[SEP]`, padding) gets
`IGNORE_LABEL` (-100), so a loss masks with `label_ids != IGNORE_LABEL`.

Long sentences: a sentence with more than `seq_length - 2` pieces is cut at
word boundaries into several consecutive, non-overlapping windows
(`overflow="split"`, the default; every word is predicted once), or only the
first window is kept (`overflow="truncate"`; dropped words are predicted "O"
by `word_predictions`). A single word longer than a window keeps only its
first `seq_length - 2` pieces (its label is on the first piece anyway).
"""

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.tasks.wordpiece import special_ids

IGNORE_LABEL = -100


def conll_to_features(sentences, tokenize_words, vocab, tag_vocab, seq_length=128,
                      overflow="split"):
    """Convert IOB2-tagged sentences to padded model inputs and labels.

    Args:
      sentences: `TaggedSentence`s (or `(words, tags)` pairs). Tags may be None
        for unlabeled prediction input (labels then are all IGNORE_LABEL).
      tokenize_words: callable list[str] → list[list[int]] of word-piece ids,
        e.g. `WordpieceWordTokenizer`.
      vocab: the token of each id (for the [CLS]/[SEP]/[PAD]/[UNK] ids).
      tag_vocab: list of tags; position = label id (see `build_tag_vocab`).
      seq_length: padded length, including [CLS] and [SEP]; at least 3.
      overflow: "split" or "truncate" (see module doc).

    Returns:
      Dict of numpy arrays, one row per window:
      `token_ids, segment_ids, padding_mask, label_ids` int32 `[N, seq_length]`;
      `word_ids` int32 `[N, seq_length]` (index of the word whose first piece
      is there, else -1); `sentence_ids` int32 `[N]`.

    Raises:
      TfnlpError: bad seq_length / overflow, or a tag not in `tag_vocab`.

    Example:
      >>> feats = conll_to_features(sents, tok, tok.vocab, tags, 128)  # doctest: +SKIP
      >>> feats["label_ids"][0, :4]  # doctest: +SKIP
      array([-100, 3, -100, 0], dtype=int32)
    """
    if seq_length < 3:
        raise TfnlpError(f"seq_length must be at least 3 ([CLS] word [SEP]), got {seq_length}")
    if overflow not in ("split", "truncate"):
        raise TfnlpError(f"overflow must be 'split' or 'truncate', got {overflow!r}")
    ids = special_ids(vocab)
    tag_to_id = {tag: i for i, tag in enumerate(tag_vocab)}
    pairs = [(s.words, s.tags) if hasattr(s, "words") else tuple(s) for s in sentences]
    all_words = [w for words, _ in pairs for w in words]
    all_pieces = tokenize_words(all_words)
    if len(all_pieces) != len(all_words):
        raise TfnlpError(
            f"tokenize_words returned {len(all_pieces)} piece lists for {len(all_words)} words"
        )
    budget = seq_length - 2
    rows = {k: [] for k in ("token_ids", "label_ids", "word_ids")}
    masks = []
    sentence_ids = []
    cursor = 0
    for s_index, (words, tags) in enumerate(pairs):
        pieces = all_pieces[cursor:cursor + len(words)]
        cursor += len(words)
        if tags is not None and len(tags) != len(words):
            raise TfnlpError(f"sentence {s_index}: {len(words)} words but {len(tags)} tags")
        windows = []
        current = []
        used = 0
        for w_index, word_pieces in enumerate(pieces):
            word_pieces = list(word_pieces) or [ids["unk"]]
            word_pieces = word_pieces[:budget]
            if used + len(word_pieces) > budget:
                windows.append(current)
                current, used = [], 0
            current.append((w_index, word_pieces))
            used += len(word_pieces)
        if current or not windows:
            windows.append(current)
        if overflow == "truncate":
            windows = windows[:1]
        for window in windows:
            token_ids = [ids["cls"]]
            label_ids = [IGNORE_LABEL]
            word_ids = [-1]
            for w_index, word_pieces in window:
                if tags is None:
                    label = IGNORE_LABEL
                else:
                    tag = tags[w_index]
                    if tag not in tag_to_id:
                        raise TfnlpError(
                            f"sentence {s_index}, word {w_index} ({words[w_index]!r}): tag {tag!r} "
                            f"is not in the tag vocabulary {list(tag_vocab)}"
                        )
                    label = tag_to_id[tag]
                token_ids += word_pieces
                label_ids += [label] + [IGNORE_LABEL] * (len(word_pieces) - 1)
                word_ids += [w_index] + [-1] * (len(word_pieces) - 1)
            token_ids.append(ids["sep"])
            label_ids.append(IGNORE_LABEL)
            word_ids.append(-1)
            pad = seq_length - len(token_ids)
            rows["token_ids"].append(token_ids + [ids["pad"]] * pad)
            rows["label_ids"].append(label_ids + [IGNORE_LABEL] * pad)
            rows["word_ids"].append(word_ids + [-1] * pad)
            masks.append([1] * len(token_ids) + [0] * pad)
            sentence_ids.append(s_index)

    def as_array(values):
        return np.asarray(values, dtype=np.int32).reshape(-1, seq_length)

    token_ids = as_array(rows["token_ids"])
    return {
        "token_ids": token_ids,
        "segment_ids": np.zeros_like(token_ids),
        "padding_mask": as_array(masks),
        "label_ids": as_array(rows["label_ids"]),
        "word_ids": as_array(rows["word_ids"]),
        "sentence_ids": np.asarray(sentence_ids, dtype=np.int32),
    }


def word_predictions(features, predicted_ids, sentence_lengths, tag_vocab, default_tag="O"):
    """Turn per-position predictions back into one tag per word.

    The prediction at a word's first piece is the word's tag. Words that no
    window covers (overflow="truncate") get `default_tag`.

    Args:
      features: the dict from `conll_to_features`.
      predicted_ids: int array `[N, seq_length]` of predicted tag ids (argmax
        of the logits), aligned with the feature rows.
      sentence_lengths: number of words of each sentence.
      tag_vocab: list of tags.
      default_tag: tag for uncovered words.

    Returns:
      A list (one per sentence) of lists of tags.

    Example:
      >>> tags = word_predictions(feats, logits.argmax(-1), [len(s.words) for s in sents], vocab)  # doctest: +SKIP
    """
    predicted_ids = np.asarray(predicted_ids)
    word_ids = features["word_ids"]
    if predicted_ids.shape != word_ids.shape:
        raise TfnlpError(
            f"predicted_ids has shape {predicted_ids.shape}, expected {word_ids.shape} "
            f"(one row per feature window)"
        )
    out = [[default_tag] * n for n in sentence_lengths]
    for row, s_index in enumerate(features["sentence_ids"]):
        for pos in np.nonzero(word_ids[row] >= 0)[0]:
            out[s_index][word_ids[row, pos]] = tag_vocab[int(predicted_ids[row, pos])]
    return out
