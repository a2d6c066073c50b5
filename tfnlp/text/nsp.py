"""Next-sentence-prediction instances, as Google's `create_pretraining_data.py`.

Works on documents that are already tokenized: a document is a list of
sentences, a sentence a list (or 1-D array) of WordPiece ids. The algorithm is
the one of BERT's reference code:

- `target_seq_length` is `max_num_tokens = seq_length - 3`, or with
  probability `short_seq_prob` a random length in [2, max_num_tokens];
- sentences are gathered into a chunk until it reaches the target length;
- the chunk is split at a random sentence boundary into A and B;
- with probability 0.5 (or always, if the chunk has one sentence) B is
  replaced by text from a random other document ("random next", label 1),
  and the sentences of the chunk not used are put back for the next chunk;
- `truncate_seq_pair` trims the longer segment, from the front or back at
  random, until the pair fits.

Example:

>>> docs = [[[5, 6, 7], [8, 9]], [[10, 11], [12]]]
>>> insts = create_nsp_instances(docs, seq_length=16, seed=0)
>>> sorted(insts[0])
['is_random_next', 'tokens_a', 'tokens_b']
"""

import random

from tfnlp.errors import TfnlpError


def truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng):
    """Trims a pair of token lists in place to at most `max_num_tokens` in all.

    One token at a time is removed from the longer list (from `tokens_b` on a
    tie), from its front or back with equal probability.

    Args:
      tokens_a, tokens_b: lists of ids (modified in place).
      max_num_tokens: the total length to fit in.
      rng: a `random.Random`.

    Returns:
      None.

    Example:

    >>> a, b = [1, 2, 3, 4], [5, 6]
    >>> truncate_seq_pair(a, b, 4, random.Random(0)); len(a) + len(b)
    4
    """
    a_lo, a_hi, b_lo, b_hi = 0, len(tokens_a), 0, len(tokens_b)
    while (a_hi - a_lo) + (b_hi - b_lo) > max_num_tokens:
        front = rng.random() < 0.5
        if (a_hi - a_lo) > (b_hi - b_lo):
            if front:
                a_lo += 1
            else:
                a_hi -= 1
        else:
            if front:
                b_lo += 1
            else:
                b_hi -= 1
    tokens_a[:] = tokens_a[a_lo:a_hi]
    tokens_b[:] = tokens_b[b_lo:b_hi]


def create_instances_from_document(all_documents, document_index,
                                   max_seq_length, short_seq_prob, rng):
    """Makes the NSP instances of one document (BERT's reference algorithm).

    Args:
      all_documents: list of documents (lists of non-empty id lists).
      document_index: which document to cut into instances.
      max_seq_length: packed length; the pair gets `max_seq_length - 3` ids.
      short_seq_prob: probability of a shorter random target length.
      rng: a `random.Random`.

    Returns:
      list of dicts `tokens_a`, `tokens_b` (lists of ids), `is_random_next`
      (bool).
    """
    document = all_documents[document_index]
    max_num_tokens = max_seq_length - 3
    target_seq_length = max_num_tokens
    if rng.random() < short_seq_prob:
        target_seq_length = rng.randint(2, max_num_tokens)
    instances = []
    current_chunk, current_length = [], 0
    i = 0
    while i < len(document):
        segment = document[i]
        current_chunk.append(segment)
        current_length += len(segment)
        if i == len(document) - 1 or current_length >= target_seq_length:
            if current_chunk:
                a_end = 1
                if len(current_chunk) >= 2:
                    a_end = rng.randint(1, len(current_chunk) - 1)
                tokens_a = []
                for j in range(a_end):
                    tokens_a.extend(current_chunk[j])
                tokens_b = []
                if len(current_chunk) == 1 or rng.random() < 0.5:
                    is_random_next = True
                    target_b_length = target_seq_length - len(tokens_a)
                    # Ten tries to find a different document, as BERT does.
                    for _ in range(10):
                        random_document_index = rng.randint(0, len(all_documents) - 1)
                        if random_document_index != document_index:
                            break
                    random_document = all_documents[random_document_index]
                    random_start = rng.randint(0, len(random_document) - 1)
                    for j in range(random_start, len(random_document)):
                        tokens_b.extend(random_document[j])
                        if len(tokens_b) >= target_b_length:
                            break
                    # Put the unused sentences back so they are not wasted.
                    num_unused_segments = len(current_chunk) - a_end
                    i -= num_unused_segments
                else:
                    is_random_next = False
                    for j in range(a_end, len(current_chunk)):
                        tokens_b.extend(current_chunk[j])
                truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
                if tokens_a and tokens_b:
                    instances.append({"tokens_a": tokens_a, "tokens_b": tokens_b,
                                      "is_random_next": is_random_next})
            current_chunk, current_length = [], 0
        i += 1
    return instances


def create_nsp_instances(documents, seq_length, short_seq_prob=0.1,
                         dupe_factor=1, seed=0):
    """Makes shuffled NSP instances from tokenized documents.

    As BERT's `create_training_instances`: the documents are shuffled, each
    is cut `dupe_factor` times (different A/B splits and random partners each
    time), and the instances are shuffled; all with `random.Random(seed)`.

    Args:
      documents: list of documents; a document is a list of sentences, a
        sentence a sequence of int ids. Empty sentences and documents are
        dropped.
      seq_length: packed length ([CLS] a [SEP] b [SEP]); at least 5.
      short_seq_prob: probability of a shorter target length (BERT: 0.1).
      dupe_factor: how many passes over the documents.
      seed: int seed; the same inputs and seed give the same instances.

    Returns:
      list of dicts with `tokens_a`, `tokens_b` (lists of int) and
      `is_random_next` (bool).

    Raises:
      TfnlpError: for a too-short `seq_length`, a bad `short_seq_prob` or
        `dupe_factor`, or if no document has two sentences.

    Example:

    >>> create_nsp_instances([[[1, 2], [3]], [[4], [5, 6]]], 8)[0]["tokens_a"]  # doctest: +SKIP
    [1, 2]
    """
    if not isinstance(seq_length, int) or seq_length < 5:
        raise TfnlpError(
            f"seq_length={seq_length!r} is too short for next-sentence "
            "prediction: [CLS] a [SEP] b [SEP] needs at least 5 positions")
    if not 0.0 <= short_seq_prob <= 1.0:
        raise TfnlpError(f"short_seq_prob={short_seq_prob} must be in [0, 1]")
    if not isinstance(dupe_factor, int) or dupe_factor < 1:
        raise TfnlpError(f"dupe_factor={dupe_factor!r} must be an int >= 1")
    docs = [[list(s) for s in d if len(s)] for d in documents]
    docs = [d for d in docs if d]
    if not any(len(d) >= 2 for d in docs):
        raise TfnlpError(
            "next-sentence prediction needs documents with at least two "
            "non-empty sentences, but every document has at most one; use "
            "objective='mlm' or a corpus with one sentence per line and a "
            "blank line between documents")
    rng = random.Random(seed)
    rng.shuffle(docs)
    instances = []
    for _ in range(dupe_factor):
        for index in range(len(docs)):
            instances.extend(create_instances_from_document(
                docs, index, seq_length, short_seq_prob, rng))
    rng.shuffle(instances)
    return instances
