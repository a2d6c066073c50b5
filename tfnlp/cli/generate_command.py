"""`tfnlp generate`: continue a prompt with a GPT-2 model dir, printing text as it comes.

Example:

    tfnlp generate --model=run/keras --prompt="The cat" --max_new_tokens=40 \\
        --sampler=top_k --top_k=40 --seed=1

The continuation streams to stdout; the last stdout line is JSON:
`{"prompt": ..., "text": ..., "new_tokens": n, "sampler": ...}`.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "generate text from a GPT-2 model dir (greedy, top-k, top-p, beam; cached)"

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {"max_new_tokens": "[1, inf)", "top_k": "[1, inf)", "top_p": "(0, 1]",
          "temperature": "(0, inf)", "num_beams": "[1, inf)", "seed": "[0, inf)"}


def define_flags(flag_values):
    """Defines the generation flags."""
    flags.DEFINE_string("model", None, "A tfnlp model dir of the gpt2 family "
                        "(RUN/keras of `tfnlp pretrain`, OUT/keras of import_checkpoint).",
                        flag_values=flag_values)
    flags.DEFINE_string("prompt", "", "The text to continue (empty: start a new text).",
                        flag_values=flag_values)
    flags.DEFINE_integer("max_new_tokens", 32, "Most tokens to add (>= 1).",
                         flag_values=flag_values)
    flags.DEFINE_enum("sampler", "greedy", ["greedy", "random", "top_k", "top_p", "beam"],
                      "How the next token is chosen.", flag_values=flag_values)
    flags.DEFINE_integer("top_k", None, "k for --sampler=top_k (default 40) or a cap for "
                         "top_p.", flag_values=flag_values)
    flags.DEFINE_float("top_p", None, "p in (0, 1] for --sampler=top_p (default 0.9).",
                       flag_values=flag_values)
    flags.DEFINE_float("temperature", 1.0, "Softmax temperature (> 0).",
                       flag_values=flag_values)
    flags.DEFINE_integer("num_beams", 4, "Beams for --sampler=beam.", flag_values=flag_values)
    flags.DEFINE_integer("seed", None, "Sampling seed (reproducible samples).",
                         flag_values=flag_values)
    flags.DEFINE_boolean("stop_at_end_of_text", True, "Stop at <|endoftext|>.",
                         flag_values=flag_values)


def load_gpt2(path):
    """Loads a gpt2 model dir; returns the `NativeModel`.

    Raises:
        TfnlpError: not a model dir, or one of another family.
    """
    from tfnlp.models.model_dir import load_model_dir

    model = load_model_dir(path)
    if model.family.name != "gpt2":
        raise TfnlpError(f"{path}: a {model.family.name} model cannot generate text; "
                         "give a gpt2 model dir")
    return model


def run(flag_values):
    """Generates and prints; the last line is JSON."""
    if not flag_values.model:
        raise TfnlpError("missing --model")
    from tfnlp.models.gpt2.generation import Generator

    model = load_gpt2(flag_values.model)
    generator = Generator(model.backbone, model.tokenizer)
    settings = {"temperature": flag_values.temperature, "top_k": flag_values.top_k,
                "top_p": flag_values.top_p, "num_beams": flag_values.num_beams,
                "seed": flag_values.seed}
    pieces = []
    for piece in generator.stream(flag_values.prompt, flag_values.max_new_tokens,
                                  flag_values.sampler, flag_values.stop_at_end_of_text,
                                  **settings):
        pieces.append(piece)
        print(piece, end="", flush=True)
    print(flush=True)
    text = "".join(pieces)
    import tensorflow as tf

    new_tokens = len(model.tokenizer.tokenize(tf.constant([text])).to_list()[0]) if text else 0
    print(json.dumps({"prompt": flag_values.prompt, "text": text, "new_tokens": new_tokens,
                      "sampler": flag_values.sampler}), flush=True)
    return 0
