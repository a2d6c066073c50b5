"""`StringInputs`: the "tokenizer" of an encoder that tokenizes text itself.

A TF-Hub text-embedding module (Google's nnlm / Wiki-words, tfnlp's
word2vec / GloVe `embedding` module) maps strings `[batch]` to vectors
`[batch, dim]`, with its own in-graph tokenization. Fine-tuning it through
the task runner needs the texts, not ids: `StringInputs` passes them
through, so `pack([tokenize(text)])` is `{"text": text}` (a string tensor
`[batch]`, the task model's one input). It has no assets and no ids; only
single texts pack (a module embeds one text at a time).

Example:

>>> import tensorflow as tf
>>> inputs = StringInputs()
>>> inputs.pack([inputs.tokenize(tf.constant(["a cat"]))])["text"].numpy()
array([b'a cat'], dtype=object)
"""

import os

import keras
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.text.tokenizer import Tokenizer

TEXT_KEY = "text"


class StringInputs(Tokenizer):
    """Passes strings through as the `text` input (kind `"text"`).

    Args:
        seq_length: unused by packing (kept for the `Tokenizer` interface).
        **kwargs: `keras.layers.Layer` arguments.
    """

    kind = "text"
    lower_case = None

    @property
    def vocab_size(self):
        return 0

    @property
    def special_tokens(self):
        return {"vocab_size": 0, "padding_id": None, "start_of_sequence_id": None,
                "end_of_segment_id": None, "mask_id": None, "unknown_id": None}

    def asset_files(self):
        return {}

    def save_assets(self, directory):
        os.makedirs(directory, exist_ok=True)
        return directory

    def tokenize(self, strings):
        """string `[batch]` -> the same strings."""
        return tf.convert_to_tensor(strings, tf.string)

    def detokenize(self, token_ids):
        raise TfnlpError("StringInputs has no token ids to detokenize")

    def tokenize_words(self, words):
        raise TfnlpError("a text-embedding module gives one vector per text, not per "
                         "word; word-aligned tasks (NER, SQuAD) need a token encoder")

    def pack(self, segments, seq_length=None):
        """One string segment -> `{"text": strings [batch]}`.

        Raises:
            TfnlpError: two segments (text pairs).
        """
        del seq_length
        segments = list(segments)
        if len(segments) != 1:
            raise TfnlpError(
                f"a text-embedding module embeds one text, got {len(segments)} segments; "
                "pair classification (text_b) needs a token encoder")
        return {TEXT_KEY: tf.convert_to_tensor(segments[0], tf.string)}

    def compute_output_spec(self, inputs):
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        batch = first.shape[0] if getattr(first, "shape", None) else None
        return {TEXT_KEY: keras.KerasTensor((batch,), dtype="string")}


keras.saving.register_keras_serializable("tfnlp")(StringInputs)
