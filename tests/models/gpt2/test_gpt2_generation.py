"""Cached generation (equal to full recompute), samplers, stop tokens, ragged
prompt batches, streaming, zero-shot helpers (bad settings: test_gpt2_bad_inputs.py)."""

import numpy as np
import pytest
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.models.gpt2.generation import Generator
from tfnlp.models.gpt2.zero_shot import score_choices, score_continuations, tldr_summarize


@pytest.fixture(scope="module")
def generator(tiny_backbone, gpt2_tokenizer):
    return Generator(tiny_backbone, gpt2_tokenizer, jit_compile=False)


def _full_logits(backbone, ids):
    x = np.asarray([ids], np.int32)
    out = backbone({"token_ids": x, "segment_ids": 0 * x, "padding_mask": np.ones_like(x)})
    return ops.convert_to_numpy(backbone.lm_logits(out["sequence_output"]))[0]


def test_cached_greedy_equals_recompute_for_ragged_prompts(generator, tiny_backbone):
    prompts = [[5, 6, 7, 8, 9, 10, 11], [12, 13], [14, 15, 16, 17]]
    out = generator.generate_ids(prompts, max_new_tokens=8)
    assert [len(o) for o in out] == [8, 8, 8]
    for prompt, new in zip(prompts, out):
        ids = list(prompt)
        for _ in range(8):
            ids.append(int(np.argmax(_full_logits(tiny_backbone, ids)[-1])))
        assert ids[len(prompt):] == new
    # Beam search with one beam is greedy; a stop token ends a row.
    assert generator.generate_ids(prompts, 8, "beam", num_beams=1) == out
    unused = next(t for t in range(10) if all(t not in row for row in out))
    assert generator.generate_ids(prompts, 8, stop_token_ids=[unused]) == out
    stopped = generator.generate_ids(prompts, 8, stop_token_ids=[out[1][3]])
    assert stopped[1] == out[1][:out[1].index(out[1][3])]


@pytest.mark.slow
def test_samplers_are_seeded_and_respect_top_k(tiny_backbone, gpt2_tokenizer):
    prompts = [[20, 21, 22]]
    a = Generator(tiny_backbone, gpt2_tokenizer, jit_compile=False).generate_ids(prompts, 6, "top_k", top_k=3, seed=4)
    b = Generator(tiny_backbone, gpt2_tokenizer, jit_compile=False).generate_ids(prompts, 6, "top_k", top_k=3, seed=4)
    assert a == b
    ids = list(prompts[0])
    for token in a[0]:
        top3 = np.argsort(_full_logits(tiny_backbone, ids)[-1])[-3:]
        assert token in top3
        ids.append(token)
    gen = Generator(tiny_backbone, gpt2_tokenizer, jit_compile=False)
    for sampler, settings in (("top_p", {"top_p": 0.5, "seed": 1}), ("beam", {"num_beams": 3})):
        out = gen.generate_ids([[3, 4], [5, 6, 7]], 5, sampler, **settings)
        assert [len(o) for o in out] == [5, 5]


def test_text_streaming(generator):
    texts = generator.generate(["the first", "a"], max_new_tokens=6, stop_at_end_of_text=False)
    assert all(isinstance(t, str) for t in texts)
    pieces = list(generator.stream("the first", max_new_tokens=6, stop_at_end_of_text=False))
    assert "".join(pieces) == texts[0]


def test_zero_shot_helpers(generator, tiny_backbone, gpt2_tokenizer):
    summaries = tldr_summarize(generator, ["A long text about cats and dogs."],
                               max_new_tokens=5, seed=0)
    assert len(summaries) == 1 and isinstance(summaries[0], str)
    scores = score_choices(tiny_backbone, gpt2_tokenizer, "the dog", [" barked", " a tree"])
    # The first choice's score is the sum of its tokens' log-probabilities.
    import tensorflow as tf

    context = gpt2_tokenizer.tokenize(tf.constant(["the dog"])).to_list()[0]
    choice = gpt2_tokenizer.tokenize(tf.constant([" barked"])).to_list()[0]
    ids = context + choice
    logits = _full_logits(tiny_backbone, ids)
    log_probs = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1,
                                keepdims=True)) - logits.max(-1, keepdims=True)
    expected = sum(log_probs[len(context) - 1 + i, t] for i, t in enumerate(choice))
    assert scores["log_likelihood"][0] == pytest.approx(expected, abs=1e-3)
    assert scores["mean_log_likelihood"][0] == pytest.approx(expected / len(choice), abs=1e-3)
    assert scores["best"] == int(np.argmax(scores["log_likelihood"]))
    with pytest.raises(TfnlpError, match="choices"):
        score_choices(tiny_backbone, gpt2_tokenizer, "x", [])
    # Pairs of different lengths batched together (sorted, then put back in order).
    pairs = [("a cat sat on the", " mat"), ("the dog", " barked"), ("", " hello there")]
    batched = score_continuations(tiny_backbone, gpt2_tokenizer, pairs, batch_size=2)
    alone = [score_choices(tiny_backbone, gpt2_tokenizer, c, [e])["log_likelihood"][0]
             for c, e in pairs]
    np.testing.assert_allclose(batched["log_likelihood"], alone, atol=1e-4)
    assert batched["log_likelihood"][1] == pytest.approx(expected, abs=1e-3)
