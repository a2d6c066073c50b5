"""Tiny models and a per-step weight recorder for the ULMFiT tests."""

import keras
import keras_hub
import numpy as np
import tensorflow as tf

VOCAB = 20
SEQ = 6
HIDDEN = 8


def standin_model(num_layers=2, head_name="classifier"):
    """Embedding("embeddings") + TransformerEncoders + Dense head.

    The same layer naming as the BertEncoder contract, without a pooler.
    """
    ids = keras.Input((SEQ,), dtype="int32")
    h = keras.layers.Embedding(VOCAB, HIDDEN, name="embeddings")(ids)
    for i in range(num_layers):
        h = keras_hub.layers.TransformerEncoder(
            intermediate_dim=2 * HIDDEN, num_heads=2, name=f"transformer_layer_{i}"
        )(h)
    h = keras.layers.GlobalAveragePooling1D(name="mean_pool")(h)
    out = keras.layers.Dense(2, name=head_name)(h)
    return keras.Model(ids, out)


def mini_model(num_layers=2, head_name="classifier"):
    """Embedding("embeddings") + Dense "transformer_layer_{i}" + Dense head.

    The contract's naming with the cheapest layers: most optimizer tests
    only need groups of variables, and a Transformer block costs seconds of
    tracing per compiled model.
    """
    ids = keras.Input((SEQ,), dtype="int32")
    h = keras.layers.Embedding(VOCAB, HIDDEN, name="embeddings")(ids)
    h = keras.layers.GlobalAveragePooling1D(name="mean_pool")(h)
    for i in range(num_layers):
        h = keras.layers.Dense(HIDDEN, activation="tanh", name=f"transformer_layer_{i}")(h)
    out = keras.layers.Dense(2, name=head_name)(h)
    return keras.Model(ids, out)


def random_data(n=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, VOCAB, size=(n, SEQ)).astype("int32")
    y = rng.integers(0, 2, size=(n,)).astype("int32")
    return x, y


def compile_model(model, optimizer, jit_compile=False):
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return model


def to_numpy(variable):
    if isinstance(variable, tf.Variable):
        return variable.numpy().copy()
    return np.array(keras.ops.convert_to_numpy(variable)).copy()


def snapshot(variables):
    return [to_numpy(v) for v in variables]


class StepRecorder(keras.callbacks.Callback):
    """Records, for every training step, how far each variable moved."""

    def __init__(self, variables):
        super().__init__()
        self.variables = list(variables)
        self.deltas = []  # per step: list of max |delta| per variable
        self._before = None

    def on_train_batch_begin(self, batch, logs=None):
        self._before = snapshot(self.variables)

    def on_train_batch_end(self, batch, logs=None):
        after = snapshot(self.variables)
        self.deltas.append(
            [float(np.max(np.abs(a - b))) for a, b in zip(after, self._before)]
        )

    def moved_groups(self, group_of):
        """Per step, the sorted set of groups whose variables all moved.

        Asserts that within a group either every variable moved or none did.
        """
        steps = []
        for deltas in self.deltas:
            moved, still = set(), set()
            for variable, delta in zip(self.variables, deltas):
                (moved if delta > 0 else still).add(group_of(variable))
            assert not moved & still, f"a group partly moved: {moved & still}"
            steps.append(sorted(moved))
        return steps


def slots_of(optimizer, variable):
    """The optimizer variables Keras made for `variable` (by its name)."""
    path = getattr(variable, "path", None) or variable.name
    prefix = path.replace("/", "_") + "_"
    return [v for v in optimizer.variables if v.name.startswith(prefix)]


class FakeHubModule(tf.Module):
    """A loaded-hub-module stand-in: plain tf.Variables named by layer."""

    def __init__(self, num_layers=2, seed=0):
        super().__init__(name="bert_module")
        rng = np.random.default_rng(seed)

        def var(name, shape):
            return tf.Variable(
                rng.normal(0, 0.5, shape).astype("float32"), name=name
            )

        self.word_embeddings = var("bert_encoder/word_embeddings/embeddings", (VOCAB, HIDDEN))
        self.layers = [
            (
                var(f"bert_encoder/transformer_layer_{i}/dense/kernel", (HIDDEN, HIDDEN)),
                var(f"bert_encoder/transformer_layer_{i}/dense/bias", (HIDDEN,)),
            )
            for i in range(num_layers)
        ]

    @tf.function
    def __call__(self, ids):
        h = tf.reduce_mean(tf.gather(self.word_embeddings, ids), axis=1)
        for kernel, bias in self.layers:
            h = tf.tanh(tf.matmul(h, kernel) + bias)
        return h


class HubLikeLayer(keras.layers.Layer):
    """Exposes a tf.Module's tf.Variables as Keras trainable weights.

    As `keras.layers.TFSMLayer` does: each `tf.Variable` is wrapped (not
    copied) in a `keras.Variable` whose name has `/` replaced by `_`.
    """

    def __init__(self, module, **kwargs):
        super().__init__(**kwargs)
        self.module = module
        self.hub_variables = [
            keras.Variable(
                initializer=v,
                trainable=True,
                dtype=v.dtype,
                shape=v.shape,
                name=v.name.replace("/", "_").replace(":", "_"),
            )
            for v in module.trainable_variables
        ]
        self.built = True

    def call(self, ids):
        return self.module(ids)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], HIDDEN)


def hub_model(module):
    ids = keras.Input((SEQ,), dtype="int32")
    h = HubLikeLayer(module, name="hub_layer")(ids)
    out = keras.layers.Dense(2, name="classifier")(h)
    return keras.Model(ids, out)
