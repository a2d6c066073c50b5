"""Export through the family's hub interface: encoder (+ lm), preprocess and the
serving `generate` module, loaded back in-process."""

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.models.gpt2.generation import Generator
from tfnlp.models.registry import get_family


@pytest.mark.slow
def test_export_encoder_preprocess_and_generate(tiny_backbone, gpt2_tokenizer, tmp_path):
    from tfnlp.hub.export import export_modules

    family = get_family("gpt2")
    pretrainer = family.build_pretrainer(tiny_backbone, "causal_lm", {}, gpt2_tokenizer)
    out = str(tmp_path / "hub")
    export_modules(family, tiny_backbone, gpt2_tokenizer, out,
                   heads=family.export_heads(pretrainer), seq_length=16)
    preprocess = tf.saved_model.load(f"{out}/preprocess")
    encoder = tf.saved_model.load(f"{out}/encoder")
    inputs = preprocess(tf.constant(["the dog barked", "a cat"]))
    assert inputs["input_word_ids"].shape == (2, 16)
    outputs = encoder(inputs, training=False)
    x = {"token_ids": inputs["input_word_ids"], "segment_ids": inputs["input_type_ids"],
         "padding_mask": inputs["input_mask"]}
    np.testing.assert_allclose(outputs["pooled_output"].numpy(),
                               tiny_backbone(x)["pooled_output"].numpy(), atol=1e-5)
    logits = encoder.lm(inputs)["lm_logits"].numpy()
    np.testing.assert_allclose(logits, pretrainer(x).numpy(), atol=1e-4)
    special = preprocess.tokenize.get_special_tokens_dict()
    assert int(special["padding_id"]) == gpt2_tokenizer.end_of_text_id

    serving = tf.saved_model.load(f"{out}/generate")
    prompts = ["the dog", "", "a b c d"]
    text = serving.signatures["generate"](prompt=tf.constant(prompts),
                                          max_new_tokens=tf.constant(5))["text"].numpy()
    expected = Generator(tiny_backbone, gpt2_tokenizer, jit_compile=False).generate(prompts, 5)
    assert [t.decode("utf-8", "replace") for t in text] == expected

    def sample(sampler, prompt=prompts, **changes):
        settings = dict(max_new_tokens=5, temperature=1.0, top_k=0, top_p=1.0, seed=3)
        settings.update(changes)
        args = {k: tf.constant(v) for k, v in settings.items()}
        out = serving.signatures["sample"](prompt=tf.constant(prompt),
                                           sampler=tf.constant(sampler), **args)["text"]
        return [t.decode("utf-8", "replace") for t in out.numpy()]

    # p so small that only the most likely id is left: greedy again.
    assert sample("top_p", top_p=1e-6, temperature=0.5) == expected
    assert sample("random", seed=1) == sample("random", seed=1) != sample("random", seed=2)
    for bad, message in [({"max_new_tokens": 0}, "max_new_tokens must be >= 1"),
                         ({"top_k": 0, "sampler": "top_k"}, "top_k must be >= 1"),
                         ({"top_p": 0.0}, r"top_p must be in \(0, 1\]"),
                         ({"sampler": "beam"}, "unknown sampler"),
                         ({"prompt": ["a b " * 60]}, "a prompt has")]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            sample(**dict({"sampler": "greedy"}, **bad))
    ids = serving.signatures["serve_ids"](token_ids=inputs["input_word_ids"],
                                          padding_mask=inputs["input_mask"])["lm_logits"]
    np.testing.assert_allclose(ids.numpy(), logits, atol=1e-4)
