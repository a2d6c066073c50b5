"""Token-classification (NER) features from tagged sentences, and back.

Each word is split into pieces by the family tokenizer
(`tokenizer.tokenize_words`); the word's tag id goes on its FIRST piece
(`tokenizer.label_piece`: SentencePiece skips a leading bare `▁`), every
other position (later pieces, the tokens the tokenizer adds, padding)
gets `IGNORE_LABEL` (-100), so a loss masks with `label_ids != IGNORE_LABEL`.
Windows are packed with `tokenizer.pack`, so the special tokens and the
padding side are the family's (`tfnlp.tasks.packing`).

Long sentences: a sentence with more pieces than a window holds
(`seq_length` minus the tokens `pack` adds) is cut at word boundaries into
several consecutive, non-overlapping windows (`overflow="split"`, the
default; every word is predicted once), or only the first window is kept
(`overflow="truncate"`; dropped words are predicted "O" by
`word_predictions`). A single word longer than a window keeps only its
first pieces (its label is on one of the first two anyway).
"""

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.tasks.packing import WordPieces, fallback_piece, pack_with_layout, special_count

IGNORE_LABEL = -100


def conll_to_features(sentences, tokenizer, tag_vocab, seq_length=128, overflow="split",
                      word_pieces=None):
    """Convert IOB2-tagged sentences to padded model inputs and labels.

    Args:
      sentences: `TaggedSentence`s (or `(words, tags)` pairs). Tags may be None
        for unlabeled prediction input (labels then are all IGNORE_LABEL).
      tokenizer: the family `Tokenizer` (its `tokenize_words`, `pack` and
        `special_tokens`).
      tag_vocab: list of tags; position = label id (see `build_tag_vocab`).
      seq_length: padded length, including the tokenizer's special tokens.
      overflow: "split" or "truncate" (see module doc).
      word_pieces: optional `WordPieces(tokenizer)` to share its cache.

    Returns:
      Dict of numpy arrays, one row per window:
      `token_ids, segment_ids, padding_mask, label_ids` int32 `[N, seq_length]`;
      `word_ids` int32 `[N, seq_length]` (index of the word whose label
      piece is there, else -1); `sentence_ids` int32 `[N]`.

    Raises:
      TfnlpError: bad seq_length / overflow, or a tag not in `tag_vocab`.

    Example:
      >>> feats = conll_to_features(sents, tokenizer, tags, 128)  # doctest: +SKIP
      >>> feats["label_ids"][0, :4]  # doctest: +SKIP
      array([-100, 3, -100, 0], dtype=int32)
    """
    if overflow not in ("split", "truncate"):
        raise TfnlpError(f"overflow must be 'split' or 'truncate', got {overflow!r}")
    budget = seq_length - special_count(tokenizer, 1)
    if budget < 1:
        raise TfnlpError(f"seq_length {seq_length} leaves no room for a word after the "
                         f"{seq_length - budget} tokens {type(tokenizer).__name__} adds")
    unknown = fallback_piece(tokenizer)
    word_pieces = word_pieces or WordPieces(tokenizer)
    tag_to_id = {tag: i for i, tag in enumerate(tag_vocab)}
    pairs = [(s.words, s.tags) if hasattr(s, "words") else tuple(s) for s in sentences]
    all_pieces = word_pieces([w for words, _ in pairs for w in words])
    windows_pieces, windows_labels, windows_words, sentence_ids = [], [], [], []
    cursor = 0
    for s_index, (words, tags) in enumerate(pairs):
        pieces = all_pieces[cursor:cursor + len(words)]
        cursor += len(words)
        if tags is not None and len(tags) != len(words):
            raise TfnlpError(f"sentence {s_index}: {len(words)} words but {len(tags)} tags")
        windows, current, used = [], [], 0
        for w_index, word_pieces_ in enumerate(pieces):
            word_pieces_ = (list(word_pieces_) or [unknown])[:budget]
            if used + len(word_pieces_) > budget:
                windows.append(current)
                current, used = [], 0
            current.append((w_index, word_pieces_))
            used += len(word_pieces_)
        if current or not windows:
            windows.append(current)
        if overflow == "truncate":
            windows = windows[:1]
        for window in windows:
            ids, labels, word_ids = [], [], []
            for w_index, word_pieces_ in window:
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
                at = tokenizer.label_piece(word_pieces_)
                ids += word_pieces_
                labels += [IGNORE_LABEL] * at + [label] + [IGNORE_LABEL] * (
                    len(word_pieces_) - at - 1)
                word_ids += [-1] * at + [w_index] + [-1] * (len(word_pieces_) - at - 1)
            windows_pieces.append(ids)
            windows_labels.append(labels)
            windows_words.append(word_ids)
            sentence_ids.append(s_index)
    layout = pack_with_layout(tokenizer, [windows_pieces], seq_length)
    label_ids = np.full(layout.token_ids.shape, IGNORE_LABEL, np.int32)
    word_ids = np.full(layout.token_ids.shape, -1, np.int32)
    for row, where in enumerate(layout.positions[0]):
        label_ids[row, where] = windows_labels[row]
        word_ids[row, where] = windows_words[row]
    return {
        "token_ids": layout.token_ids,
        "segment_ids": layout.segment_ids,
        "padding_mask": layout.padding_mask,
        "label_ids": label_ids,
        "word_ids": word_ids,
        "sentence_ids": np.asarray(sentence_ids, dtype=np.int32),
    }


def word_predictions(features, predicted_ids, sentence_lengths, tag_vocab, default_tag="O"):
    """Turn per-position predictions back into one tag per word.

    The prediction at a word's label piece (`word_ids`) is the word's tag. Words that no
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
