"""GPT-2's serving module: a SavedModel that turns prompt strings into generated strings.

Signatures:

- `generate(prompt: string [batch], max_new_tokens: int32 scalar)` ->
  `{"text": string [batch]}`: greedy decoding (the defaults of `sample`);
- `sample(prompt, max_new_tokens, sampler: string scalar, temperature:
  float32 scalar, top_k: int32 scalar, top_p: float32 scalar, seed: int32
  scalar)` -> `{"text"}`: the decoding settings as inputs. `sampler` is
  `greedy`, `random` (the whole distribution), `top_k` (the `top_k` most
  likely ids) or `top_p` (the smallest set of ids whose probability
  reaches `top_p`, capped at `top_k` ids when `top_k` >= 1; `top_k` = 0:
  no cap). Logits are divided by `temperature` (greedy ignores it). The
  draw of the token at position `i` is `tf.random.stateless_categorical`
  keyed by `(seed, i)`, so a seed gives the same text on every call.
  Beam search is Python-only (`Generator`);
- `serve_ids(token_ids, padding_mask: int32 [batch, seq])` ->
  `{"lm_logits": [batch, seq, vocab]}`: core TF ops only (no tf-text), for
  servers that tokenize themselves.

`generate` and `sample` BPE-tokenize the prompts in-graph, run the cached
loop of `tfnlp.models.gpt2.generation` (prompts of different lengths in
one batch; an empty prompt starts a new text with `<|endoftext|>`), stop
each row at `<|endoftext|>` or after `max_new_tokens` (or at the model's
last position) and detokenize the new tokens.

Bad settings: the graph checks them before it generates and the call fails
with `tf.errors.InvalidArgumentError` whose message names the setting
(`max_new_tokens must be >= 1`, `unknown sampler`, `temperature must be > 0`,
`top_k must be >= 1 for the top_k sampler`, `top_k must be >= 0`,
`top_p must be in (0, 1]`, `a prompt has N tokens; the model has P
positions`), the same rules the Python API (`make_sampler`,
`Generator.generate`) and `tfnlp generate` apply with a `TfnlpError`.

The family's hub interface lists it as the `generate` module, so
`tfnlp export` writes it beside `encoder` and `preprocess`.

Example:

>>> module = build_generate_module(backbone, tokenizer, {}, 128)         # doctest: +SKIP
>>> tf.saved_model.save(module, "out/generate")                          # doctest: +SKIP
>>> served = tf.saved_model.load("out/generate")                         # doctest: +SKIP
>>> served.signatures["sample"](prompt=tf.constant(["Hi"]), max_new_tokens=tf.constant(8),
...     sampler=tf.constant("top_p"), temperature=tf.constant(0.8), top_k=tf.constant(0),
...     top_p=tf.constant(0.9), seed=tf.constant(1))["text"]            # doctest: +SKIP
"""

import keras_hub
import tensorflow as tf

from tfnlp.models.gpt2.generation import Generator


SERVING_SAMPLERS = ("greedy", "random", "top_k", "top_p")


class GraphSampler(keras_hub.samplers.Sampler):
    """A keras-hub sampler whose settings are tensors (serving signature inputs).

    Args:
        mode: int32 scalar, an index into `SERVING_SAMPLERS`.
        temperature: float32 scalar > 0.
        top_k: int32 scalar (see the module docstring).
        top_p: float32 scalar in (0, 1].
        seed: int32 scalar; the draw at position `i` is keyed by `(seed, i)`.

    Example:

    >>> sampler = GraphSampler(tf.constant(2), tf.constant(1.0), tf.constant(5),
    ...                        tf.constant(1.0), tf.constant(0))        # doctest: +SKIP
    """

    def __init__(self, mode, temperature, top_k, top_p, seed):
        super().__init__(temperature=temperature)
        self.mode, self.top_k, self.top_p, self.seed = mode, top_k, top_p, seed
        self._index = None

    def __call__(self, next, prompt, **kwargs):
        # The loop body calls `next(prompt, cache, index)` just before
        # `get_next_token`; the index it sees keys that step's draw.
        def next_at(prompt, cache, index):
            self._index = index
            return next(prompt, cache, index)

        return super().__call__(next_at, prompt, **kwargs)

    def get_next_token(self, probabilities):
        def sample():
            vocab = tf.shape(probabilities)[1]
            k = tf.where(self.top_k > 0, tf.minimum(self.top_k, vocab), vocab)
            k = tf.where(tf.equal(self.mode, SERVING_SAMPLERS.index("random")), vocab, k)
            p = tf.where(tf.equal(self.mode, SERVING_SAMPLERS.index("top_p")), self.top_p, 1.0)
            top, ids = tf.math.top_k(probabilities, k)
            # Keep each id while the mass before it is below p (so at least one).
            keep = tf.cumsum(top, axis=-1, exclusive=True) < p
            logits = tf.where(keep, tf.math.log(top), float("-inf"))
            seed = tf.stack([self.seed, tf.cast(self._index, tf.int32)])
            pick = tf.random.stateless_categorical(logits, 1, seed, dtype=tf.int32)
            return tf.gather(ids, pick[:, 0], batch_dims=1)

        return tf.cond(tf.equal(self.mode, 0),
                       lambda: tf.argmax(probabilities, axis=-1, output_type=tf.int32),
                       sample)


def _checked_settings(max_new_tokens, sampler, temperature, top_k, top_p):
    """Asserts the settings (InvalidArgumentError naming the bad one); returns
    the sampler's index and the check ops."""
    names = tf.constant(SERVING_SAMPLERS)
    known = tf.equal(names, sampler)
    mode = tf.cast(tf.argmax(tf.cast(known, tf.int32)), tf.int32)
    checks = [
        tf.debugging.assert_greater_equal(max_new_tokens, 1,
                                          message="max_new_tokens must be >= 1"),
        tf.debugging.Assert(tf.reduce_any(known), [
            "unknown sampler", sampler, "; the serving signature takes one of",
            ", ".join(SERVING_SAMPLERS)]),
        tf.debugging.assert_greater(temperature, 0.0, message="temperature must be > 0"),
        tf.debugging.assert_greater_equal(top_k, 0, message="top_k must be >= 0"),
        tf.debugging.Assert(
            tf.logical_or(tf.not_equal(sampler, "top_k"), top_k >= 1),
            ["top_k must be >= 1 for the top_k sampler, got", top_k]),
        tf.debugging.Assert(tf.logical_and(top_p > 0.0, top_p <= 1.0),
                            ["top_p must be in (0, 1], got", top_p]),
    ]
    return mode, checks


def build_generate_module(backbone, tokenizer, heads=None, seq_length=128):
    """Builds the (unsaved) serving `tf.Module` (see the module docstring).

    Args:
        backbone: the `Gpt2Backbone`.
        tokenizer: its `BytePairTokenizer`.
        heads: unused (the LM head is the tied embedding).
        seq_length: unused (prompts take what they need, up to the positions).

    Returns:
        a `tf.Module` with `generate`, `sample` and `serve_ids` and the
        backbone's variables.
    """
    generator = Generator(backbone, tokenizer, jit_compile=False)
    eos = tokenizer.end_of_text_id
    positions = backbone.max_sequence_length

    def run(prompt, max_new_tokens, sampler, temperature, top_k, top_p, seed):
        mode, checks = _checked_settings(max_new_tokens, sampler, temperature, top_k, top_p)
        ids = tokenizer.tokenize(prompt)
        longest = tf.cast(tf.reduce_max(tf.concat([ids.row_lengths(), [0]], 0)), tf.int32)
        checks.append(tf.debugging.Assert(longest < positions, [
            "a prompt has", longest, f"tokens; the model has {positions} positions, so "
            f"prompts must be shorter than {positions} tokens"]))
        with tf.control_dependencies(checks):
            # An empty prompt starts a new text with <|endoftext|>.
            lengths = tf.maximum(tf.cast(ids.row_lengths(), tf.int32), 1)
        new = max_new_tokens
        total = tf.minimum(tf.reduce_max(lengths) + new, positions)
        batch = tf.shape(prompt)[0]
        pad = 0 if eos != 0 else 1  # unfilled positions must not hold the stop id
        token_ids = ids.to_tensor(default_value=pad, shape=tf.stack([batch, total]))
        position = tf.range(total)[None, :]
        empty = tf.equal(ids.row_lengths(), 0)[:, None]
        token_ids = tf.where(empty & tf.equal(position, 0), eos, token_ids)
        mask = tf.sequence_mask(lengths, total)
        chooser = GraphSampler(mode, temperature, top_k, top_p, seed)
        out = generator._generate_step(chooser, token_ids, mask, (eos,))
        after = position >= lengths[:, None]
        ended = tf.cumsum(tf.cast(after & tf.equal(out, eos), tf.int32), axis=1) > 0
        keep = after & (position < lengths[:, None] + new) & ~ended
        return {"text": tokenizer.detokenize(tf.ragged.boolean_mask(out, keep))}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string),
                                  tf.TensorSpec([], tf.int32)])
    def generate(prompt, max_new_tokens):
        return run(prompt, max_new_tokens, tf.constant("greedy"), tf.constant(1.0),
                   tf.constant(0), tf.constant(1.0), tf.constant(0))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string),
                                  tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.string),
                                  tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32),
                                  tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32)])
    def sample(prompt, max_new_tokens, sampler, temperature, top_k, top_p, seed):
        return run(prompt, max_new_tokens, sampler, temperature, top_k, top_p, seed)

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
    module.sample = sample
    module.serve_ids = serve_ids
    module.tfnlp_family = tf.Variable("gpt2", trainable=False)
    # `tfnlp.hub.export` saves these as the SavedModel's signatures.
    module.signatures_to_save = {"generate": generate.get_concrete_function(),
                                 "sample": sample.get_concrete_function(),
                                 "serve_ids": serve_ids.get_concrete_function()}
    return module
