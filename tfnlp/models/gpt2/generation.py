"""Text generation with a key/value cache: greedy, temperature, top-k, top-p, beam.

The prompts of a batch are right-padded into one buffer of
`longest prompt + max_new_tokens` positions. One pass fills the key/value
cache with the prompts (`Gpt2Backbone.call_with_cache`); then every step
runs the model on **one** position per row (the cache holds the rest) and
a keras-hub sampler picks the next token. A row whose prompt is longer
than the current position keeps its prompt token there, so prompts of
different lengths share the batch without any position offsets. The loop
(`keras.ops.while_loop` inside the sampler) is compiled with `tf.function`
(XLA by default) on the TensorFlow backend; it stops early
once every row has produced a stop token.

Example:

>>> generator = Generator(backbone, tokenizer)                     # doctest: +SKIP
>>> generator.generate(["The cat"], max_new_tokens=8, sampler="top_k", top_k=2)  # doctest: +SKIP
[' sat on the mat.']
"""

import keras
import keras_hub
import numpy as np
from keras import ops

from tfnlp.errors import TfnlpError

SAMPLERS = ("greedy", "random", "top_k", "top_p", "beam")


def make_sampler(sampler="greedy", temperature=1.0, top_k=None, top_p=None, num_beams=4,
                 seed=None):
    """Builds a keras-hub sampler from tfnlp's generation settings, checked.

    Args:
        sampler: one of `SAMPLERS` (`random` samples from the whole
            distribution).
        temperature: > 0; logits are divided by it.
        top_k: for `top_k` (default 40) or to cap `top_p`'s candidates; >= 1.
        top_p: for `top_p` (default 0.9); in (0, 1].
        num_beams: for `beam`; >= 1.
        seed: int seed of the sampling draws (None: unseeded).

    Returns:
        a `keras_hub.samplers.Sampler`.

    Raises:
        TfnlpError: an unknown sampler or a setting out of range.

    Example:

    >>> type(make_sampler("top_k", top_k=2)).__name__
    'TopKSampler'
    """
    if sampler not in SAMPLERS:
        raise TfnlpError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not temperature > 0:
        raise TfnlpError(f"temperature must be > 0, got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)
                              or top_k < 1):
        raise TfnlpError(f"top_k must be an integer >= 1, got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float))
                              or not 0 < top_p <= 1):
        raise TfnlpError(f"top_p must be in (0, 1], got {top_p!r}")
    if isinstance(num_beams, bool) or not isinstance(num_beams, int) or num_beams < 1:
        raise TfnlpError(f"num_beams must be an integer >= 1, got {num_beams!r}")
    samplers = keras_hub.samplers
    temperature = float(temperature)
    if sampler == "greedy":
        return samplers.GreedySampler(temperature=temperature)
    if sampler == "random":
        return samplers.RandomSampler(seed=seed, temperature=temperature)
    if sampler == "top_k":
        return samplers.TopKSampler(k=top_k or 40, seed=seed, temperature=temperature)
    if sampler == "top_p":
        return samplers.TopPSampler(p=float(top_p if top_p is not None else 0.9), k=top_k,
                                    seed=seed, temperature=temperature)
    return samplers.BeamSampler(num_beams=num_beams, temperature=temperature)


def check_max_new_tokens(max_new_tokens):
    """Raises `TfnlpError` unless `max_new_tokens` is an integer >= 1."""
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, (int, np.integer)) \
            or max_new_tokens < 1:
        raise TfnlpError(f"max_new_tokens must be an integer >= 1, got {max_new_tokens!r}")


class Generator:
    """Cached generation for a `Gpt2Backbone` and its tokenizer.

    Args:
        backbone: a `Gpt2Backbone`.
        tokenizer: its `BytePairTokenizer` (or None to work on ids only).
        jit_compile: compile the loop with XLA (TensorFlow backend; on CPU
            too: benchmarks/generate.py measured 1.3x at batch 1 and 2.2x at
            batch 8 over plain `tf.function`).

    Example:

    >>> gen = Generator(backbone, tokenizer)                          # doctest: +SKIP
    >>> gen.generate_ids([[464, 3797]], max_new_tokens=4)              # doctest: +SKIP
    [[373, 257, 1310, 286]]
    """

    def __init__(self, backbone, tokenizer=None, jit_compile=True):
        self.backbone = backbone
        self.tokenizer = tokenizer
        self.jit_compile = bool(jit_compile)
        self._compiled = {}
        if tokenizer is not None and tokenizer.vocab_size != backbone.vocabulary_size:
            raise TfnlpError(
                f"the model has {backbone.vocabulary_size} token ids but the tokenizer has "
                f"{tokenizer.vocab_size}; use the tokenizer the model was trained with")

    @property
    def end_of_text_id(self):
        """The tokenizer's `<|endoftext|>` id (None without a tokenizer)."""
        if self.tokenizer is None:
            return None
        return self.tokenizer.special_tokens["end_of_segment_id"]

    # --- ids -------------------------------------------------------------------------------

    def generate_ids(self, prompts, max_new_tokens=32, sampler="greedy",
                     stop_token_ids=None, **sampler_settings):
        """Continues each prompt (a list of ids) by up to `max_new_tokens` ids.

        Args:
            prompts: list of lists of ints (each non-empty).
            max_new_tokens: >= 1; fewer when the model's positions run out.
            sampler: a name from `SAMPLERS` or a `keras_hub.samplers.Sampler`.
            stop_token_ids: ids that end a row (not returned); None: none.
            **sampler_settings: `make_sampler` arguments (`temperature`,
                `top_k`, `top_p`, `num_beams`, `seed`).

        Returns:
            list of lists of ints: the new ids of each row.

        Raises:
            TfnlpError: an empty prompt, a prompt as long as the model's
                positions, or bad settings.
        """
        check_max_new_tokens(max_new_tokens)
        if not prompts or any(len(p) == 0 for p in prompts):
            raise TfnlpError("every prompt needs at least one token")
        lengths = [len(p) for p in prompts]
        positions = self.backbone.max_sequence_length
        if max(lengths) >= positions:
            raise TfnlpError(f"a prompt has {max(lengths)} tokens; the model has "
                             f"{positions} positions, so prompts must be shorter than "
                             f"{positions} tokens")
        total = min(max(lengths) + max_new_tokens, positions)
        stops = tuple(int(t) for t in stop_token_ids) if stop_token_ids else None
        # Unfilled positions must not hold a stop id: the loop would end at once.
        pad = next(i for i in range(len(stops or ()) + 1) if i not in (stops or ()))
        token_ids = np.full([len(prompts), total], pad, np.int32)
        mask = np.zeros([len(prompts), total], bool)
        for row, prompt in enumerate(prompts):
            token_ids[row, :len(prompt)] = prompt
            mask[row, :len(prompt)] = True
        out = ops.convert_to_numpy(self._step(sampler, sampler_settings, stops)(token_ids, mask))
        results = []
        for row, length in enumerate(lengths):
            new = out[row, length:length + max_new_tokens].tolist()
            if stops:
                cut = next((i for i, t in enumerate(new) if t in stops), None)
                new = new if cut is None else new[:cut]
            results.append(new)
        return results

    def _step(self, sampler, settings, stop_token_ids):
        # One compiled loop (and one sampler, whose seed state advances from
        # call to call) per sampler setting.
        if isinstance(sampler, keras_hub.samplers.Sampler):
            key = (id(sampler), stop_token_ids)
        else:
            key = (sampler, tuple(sorted(settings.items())), stop_token_ids)
            if key not in self._compiled:
                sampler = make_sampler(sampler, **settings)
        if key not in self._compiled:
            def step(token_ids, mask):
                return self._generate_step(sampler, token_ids, mask, stop_token_ids)

            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                step = tf.function(step, jit_compile=self.jit_compile, reduce_retracing=True)
            self._compiled[key] = (step, sampler)
        return self._compiled[key][0]

    def _generate_step(self, sampler, token_ids, mask, stop_token_ids):
        backbone = self.backbone
        batch, total = ops.shape(token_ids)[0], ops.shape(token_ids)[1]
        index = ops.min(ops.sum(ops.cast(mask, "int32"), axis=1))
        cache = backbone.empty_cache(batch, total)
        _, hidden, cache = backbone.call_with_cache(token_ids, cache, 0)

        def next_fn(prompt, cache, index):
            position = index - 1
            current = ops.slice(prompt, [0, position], [ops.shape(prompt)[0], 1])
            logits, hidden, cache = backbone.call_with_cache(current, cache, position)
            return ops.squeeze(logits, 1), ops.squeeze(hidden, 1), cache

        return sampler(next=next_fn, prompt=token_ids, cache=cache, index=index, mask=mask,
                       stop_token_ids=stop_token_ids, hidden_states=hidden)

    # --- text ---------------------------------------------------------------------------

    def encode_prompts(self, prompts):
        """Tokenizes prompt strings; an empty prompt becomes `<|endoftext|>`."""
        import tensorflow as tf

        if self.tokenizer is None:
            raise TfnlpError("this Generator has no tokenizer; use generate_ids")
        if isinstance(prompts, str):
            raise TfnlpError("prompts must be a list of strings, not one string")
        ids = self.tokenizer.tokenize(tf.constant(list(prompts))).to_list()
        return [row or [self.end_of_text_id] for row in ids]

    def decode(self, ids):
        """Ids -> text (exact bytes, invalid UTF-8 replaced)."""
        import tensorflow as tf

        if not ids:
            return ""
        text = self.tokenizer.detokenize(tf.ragged.constant([ids], dtype=tf.int32))
        return text.numpy()[0].decode("utf-8", errors="replace")

    def generate(self, prompts, max_new_tokens=32, sampler="greedy", stop_at_end_of_text=True,
                 **sampler_settings):
        """Continues each prompt string.

        Args:
            prompts: list of str.
            max_new_tokens: >= 1.
            sampler: see `generate_ids`.
            stop_at_end_of_text: stop a row at `<|endoftext|>`.
            **sampler_settings: see `make_sampler`.

        Returns:
            list of str: each prompt's continuation (without the prompt).
        """
        stops = [self.end_of_text_id] if stop_at_end_of_text else None
        ids = self.generate_ids(self.encode_prompts(prompts), max_new_tokens, sampler,
                                stop_token_ids=stops, **sampler_settings)
        return [self.decode(row) for row in ids]

    def stream(self, prompt, max_new_tokens=32, sampler="greedy", stop_at_end_of_text=True,
               **sampler_settings):
        """Yields the continuation of one prompt piece by piece, as it is sampled.

        Each step is one cached position (a compiled single-step call);
        pieces are whole UTF-8 characters (bytes wait for the rest of their
        character). Beam search cannot stream: it yields its result at once.

        Args:
            prompt: str.
            max_new_tokens, sampler, stop_at_end_of_text, **sampler_settings:
                as for `generate`.

        Yields:
            str pieces whose concatenation is the continuation.
        """
        check_max_new_tokens(max_new_tokens)
        if not isinstance(sampler, keras_hub.samplers.Sampler):
            sampler = make_sampler(sampler, **sampler_settings)
        if isinstance(sampler, keras_hub.samplers.BeamSampler):
            yield self.generate([prompt], max_new_tokens, sampler, stop_at_end_of_text)[0]
            return
        ids = self.encode_prompts([prompt])[0]
        positions = self.backbone.max_sequence_length
        if len(ids) >= positions:
            raise TfnlpError(f"the prompt has {len(ids)} tokens; the model has {positions} "
                             f"positions, so prompts must be shorter than {positions} tokens")
        total = min(len(ids) + max_new_tokens, positions)
        call = self._single_step()
        cache = self.backbone.empty_cache(1, total)
        logits, _, cache = call(np.asarray([ids], np.int32), cache, np.int32(0))
        pending = b""
        for position in range(len(ids), total):
            probabilities = sampler.compute_probabilities(logits[:, -1, :])
            token = int(ops.convert_to_numpy(sampler.get_next_token(probabilities))[0])
            if stop_at_end_of_text and token == self.end_of_text_id:
                break
            pending += self._token_bytes(token)
            text, pending = _split_utf8(pending)
            if text:
                yield text
            if position + 1 < total:
                logits, _, cache = call(np.asarray([[token]], np.int32), cache,
                                        np.int32(position))
        if pending:
            yield pending.decode("utf-8", errors="replace")

    def _single_step(self):
        if "single" not in self._compiled:
            call = self.backbone.call_with_cache
            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                call = tf.function(call, reduce_retracing=True)
            self._compiled["single"] = call
        return self._compiled["single"]

    def _token_bytes(self, token):
        import tensorflow as tf

        text = self.tokenizer.detokenize(tf.constant([[token]], tf.int32))
        return text.numpy()[0]


def _split_utf8(data):
    """Splits bytes into (decoded complete characters, trailing incomplete bytes)."""
    for cut in range(len(data), max(len(data) - 4, -1), -1):
        try:
            return data[:cut].decode("utf-8"), data[cut:]
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), b""
