"""GPT-2's serving module: a SavedModel with `generate` (strings in, strings out).

Signatures:

- `generate(prompt: string [batch], max_new_tokens: int32 scalar)` ->
  `{"text": string [batch]}`: BPE-tokenizes the prompts in-graph, runs the
  cached greedy loop of `tfnlp.models.gpt2.generation` (prompts of different
  lengths in one batch), stops each row at `<|endoftext|>` and
  detokenizes the new tokens;
- `serve_ids(token_ids, padding_mask: int32 [batch, seq])` ->
  `{"lm_logits": [batch, seq, vocab]}`: core TF ops only (no tf-text), for
  servers that tokenize themselves.

The family's hub interface lists it as the `generate` module, so
`tfnlp export` writes it beside `encoder` and `preprocess`.

Example:

>>> module = build_generate_module(backbone, tokenizer, {}, 128)         # doctest: +SKIP
>>> tf.saved_model.save(module, "out/generate")                          # doctest: +SKIP
>>> tf.saved_model.load("out/generate").generate(tf.constant(["Hi"]), 8)  # doctest: +SKIP
"""

import tensorflow as tf

from tfnlp.models.gpt2.generation import Generator, make_sampler


def build_generate_module(backbone, tokenizer, heads=None, seq_length=128):
    """Builds the (unsaved) serving `tf.Module` (see the module docstring).

    Args:
        backbone: the `Gpt2Backbone`.
        tokenizer: its `BytePairTokenizer`.
        heads: unused (the LM head is the tied embedding).
        seq_length: unused (prompts take what they need, up to the positions).

    Returns:
        a `tf.Module` with `generate` and `serve_ids` and the backbone's variables.
    """
    generator = Generator(backbone, tokenizer, jit_compile=False)
    sampler = make_sampler("greedy")
    eos = tokenizer.end_of_text_id
    positions = backbone.max_sequence_length

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string),
                                  tf.TensorSpec([], tf.int32)])
    def generate(prompt, max_new_tokens):
        ids = tokenizer.tokenize(prompt)[:, :positions - 1]
        # An empty prompt starts a new text with <|endoftext|>.
        lengths = tf.maximum(tf.cast(ids.row_lengths(), tf.int32), 1)
        new = tf.maximum(max_new_tokens, 1)
        total = tf.minimum(tf.reduce_max(lengths) + new, positions)
        batch = tf.shape(prompt)[0]
        pad = 0 if eos != 0 else 1  # unfilled positions must not hold the stop id
        token_ids = ids.to_tensor(default_value=pad, shape=tf.stack([batch, total]))
        position = tf.range(total)[None, :]
        empty = tf.equal(ids.row_lengths(), 0)[:, None]
        token_ids = tf.where(empty & tf.equal(position, 0), eos, token_ids)
        mask = tf.sequence_mask(lengths, total)
        out = generator._generate_step(sampler, token_ids, mask, (eos,))
        after = position >= lengths[:, None]
        ended = tf.cumsum(tf.cast(after & tf.equal(out, eos), tf.int32), axis=1) > 0
        keep = after & (position < lengths[:, None] + new) & ~ended
        return {"text": tokenizer.detokenize(tf.ragged.boolean_mask(out, keep))}

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32),
                                  tf.TensorSpec([None, None], tf.int32)])
    def serve_ids(token_ids, padding_mask):
        out = backbone({"token_ids": token_ids, "segment_ids": tf.zeros_like(token_ids),
                        "padding_mask": padding_mask}, training=False)
        return {"lm_logits": backbone.lm_logits(out["sequence_output"])}

    module = tf.Module()
    module.backbone = backbone
    module.tokenizer = tokenizer
    module.generate = generate
    module.serve_ids = serve_ids
    module.tfnlp_family = tf.Variable("gpt2", trainable=False)
    # `tfnlp.hub.export` saves these as the SavedModel's signatures.
    module.signatures_to_save = {"generate": generate.get_concrete_function(),
                                 "serve_ids": serve_ids.get_concrete_function()}
    return module
