"""Zero-shot use of a causal LM, as in the GPT-2 paper: TL;DR summaries and
multiple choice by likelihood.

- `tldr_summarize`: append `"\\nTL;DR:"` to the text and sample up to 100
  tokens with top-k 2 (Radford et al. 2019, section 3.6).
- `score_choices`: the log-likelihood the model gives each candidate
  continuation of a context, summed and per token (length-normalised);
  the best candidate by either is the model's answer;
  `score_continuations` scores many (context, continuation) pairs in
  batches (a whole multiple-choice set at once).

Example:

>>> scores = score_choices(backbone, tokenizer, "The capital of France is",
...                        [" Paris", " a banana"])                       # doctest: +SKIP
>>> scores["best"], scores["best_normalized"]                              # doctest: +SKIP
(0, 0)
"""

import numpy as np
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.models.gpt2.generation import Generator, check_max_new_tokens

TLDR = "\nTL;DR:"


def tldr_summarize(generator, texts, max_new_tokens=100, top_k=2, seed=None):
    """Summarizes each text zero-shot: text + "TL;DR:", then top-k sampling.

    The text is cut from the end so that it, the cue and `max_new_tokens`
    fit in the model's positions. Generation stops at `<|endoftext|>`.

    Args:
        generator: a `Generator` with a tokenizer.
        texts: list of str.
        max_new_tokens: >= 1 (the paper: 100).
        top_k: k of the top-k sampler (the paper: 2).
        seed: sampling seed.

    Returns:
        list of str, the summaries (stripped).
    """
    check_max_new_tokens(max_new_tokens)
    if isinstance(texts, str):
        raise TfnlpError("texts must be a list of strings, not one string")
    cue = generator.encode_prompts([TLDR])[0]
    room = generator.backbone.max_sequence_length - max_new_tokens - len(cue)
    if room < 1:
        raise TfnlpError(f"max_new_tokens={max_new_tokens} leaves no room for the text in "
                         f"the model's {generator.backbone.max_sequence_length} positions")
    prompts = [ids[:room] + cue for ids in generator.encode_prompts(texts)]
    stops = [generator.end_of_text_id]
    ids = generator.generate_ids(prompts, max_new_tokens, "top_k", stop_token_ids=stops,
                                 top_k=top_k, seed=seed)
    return [generator.decode(row).strip() for row in ids]


def score_continuations(backbone, tokenizer, pairs, batch_size=64):
    """Log-likelihood of each continuation after its context, many pairs batched.

    Contexts and continuations are tokenized apart and joined (give a
    continuation its leading space, as it would read: `" Paris"`); an empty
    context becomes `<|endoftext|>`. The pairs are sorted by length and run
    `batch_size` rows per forward pass.

    Args:
        backbone: a `Gpt2Backbone`.
        tokenizer: its `BytePairTokenizer`.
        pairs: list of `(context, continuation)` strings.
        batch_size: rows per forward pass.

    Returns:
        dict: `log_likelihood` (summed over the continuation's tokens, one
        per pair) and `num_tokens`.

    Raises:
        TfnlpError: an empty continuation, or a context + continuation
            longer than the model's positions.

    Example:

    >>> score_continuations(backbone, tokenizer, [("a dog", " barked")])  # doctest: +SKIP
    {'log_likelihood': [-7.3], 'num_tokens': [2]}
    """
    import tensorflow as tf

    if not pairs:
        return {"log_likelihood": [], "num_tokens": []}
    eos = tokenizer.special_tokens["end_of_segment_id"]
    contexts = sorted({c for c, _ in pairs})
    endings = sorted({e for _, e in pairs})
    context_ids = dict(zip(contexts, tokenizer.tokenize(tf.constant(contexts)).to_list()))
    ending_ids = dict(zip(endings, tokenizer.tokenize(tf.constant(endings)).to_list()))
    rows, firsts = [], []
    for context, ending in pairs:
        if not ending_ids[ending]:
            raise TfnlpError(f"choice {ending!r} has no tokens")
        head = context_ids[context] or [eos]
        rows.append(head + ending_ids[ending])
        firsts.append(len(head))
        if len(rows[-1]) > backbone.max_sequence_length:
            raise TfnlpError(f"context + choice is {len(rows[-1])} tokens; the model has "
                             f"{backbone.max_sequence_length} positions")
    totals = [0.0] * len(rows)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        longest = max(len(rows[i]) for i in chunk)
        token_ids = np.full([len(chunk), longest], eos, np.int32)
        mask = np.zeros_like(token_ids)
        for r, i in enumerate(chunk):
            token_ids[r, :len(rows[i])] = rows[i]
            mask[r, :len(rows[i])] = 1
        out = backbone({"token_ids": token_ids, "segment_ids": np.zeros_like(token_ids),
                        "padding_mask": mask}, training=False)
        log_probs = ops.convert_to_numpy(ops.log_softmax(
            ops.cast(backbone.lm_logits(out["sequence_output"]), "float32"), axis=-1))
        for r, i in enumerate(chunk):
            first, row = firsts[i], rows[i]
            targets = np.asarray(row[first:])
            picked = log_probs[r, np.arange(first - 1, len(row) - 1), targets]
            totals[i] = float(picked.sum())
    return {"log_likelihood": totals, "num_tokens": [len(r) - f for r, f in zip(rows, firsts)]}


def score_choices(backbone, tokenizer, context, choices, batch_size=16):
    """Scores candidate continuations of `context` by LM log-likelihood.

    The context and each choice are tokenized apart and joined (give choices
    their leading space, as they would read: `" Paris"`); an empty context
    becomes `<|endoftext|>`. One forward pass per batch of choices
    (`score_continuations`).

    Args:
        backbone: a `Gpt2Backbone`.
        tokenizer: its `BytePairTokenizer`.
        context: str.
        choices: list of >= 1 non-empty str.
        batch_size: choices per forward pass.

    Returns:
        dict: `log_likelihood` (sum over the choice's tokens, per choice),
        `mean_log_likelihood` (per token), `num_tokens`, `best` (argmax of
        the sum) and `best_normalized` (argmax of the mean).

    Raises:
        TfnlpError: no choices, an empty choice, or a context + choice
            longer than the model's positions.
    """
    if not choices or isinstance(choices, str):
        raise TfnlpError("choices must be a non-empty list of strings")
    scores = score_continuations(backbone, tokenizer, [(context, c) for c in choices],
                                 batch_size)
    totals, counts = scores["log_likelihood"], scores["num_tokens"]
    means = [t / n for t, n in zip(totals, counts)]
    return {"log_likelihood": totals, "mean_log_likelihood": means, "num_tokens": counts,
            "best": int(np.argmax(totals)), "best_normalized": int(np.argmax(means))}


__all__ = ["Generator", "score_choices", "score_continuations", "tldr_summarize", "TLDR"]
