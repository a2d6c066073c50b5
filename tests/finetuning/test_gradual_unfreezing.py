"""GradualUnfreezing: which groups move at which step, on native and hub models."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.finetuning import DiscriminativeAdam, GradualUnfreezing
from ulmfit_helpers import (
    FakeHubModule,
    StepRecorder,
    compile_model,
    hub_model,
    mini_model,
    random_data,
    slots_of,
    snapshot,
    standin_model,
)

E, L0, L1, H = "embeddings", "transformer_layer_0", "transformer_layer_1", "head"


def test_one_more_group_per_epoch_and_frozen_slots_stay_zero():
    optimizer = DiscriminativeAdam(1e-2)
    model = compile_model(standin_model(), optimizer)
    variables = model.trainable_variables
    callback = GradualUnfreezing()
    recorder = StepRecorder(variables)

    class SlotProbe(keras.callbacks.Callback):
        """After epoch 0, slots of every non-head variable are untouched."""

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                for v in variables:
                    moved = any(np.any(s != 0) for s in snapshot(slots_of(optimizer, v)))
                    assert moved == (optimizer.group_of(v) == H), v.path

    x, y = random_data(n=8)
    model.fit(
        x, y, batch_size=4, epochs=4, verbose=0,
        callbacks=[callback, recorder, SlotProbe()],
    )
    moved = recorder.moved_groups(optimizer.group_of)
    expected = [[H]] * 2 + [[H, L1]] * 2 + [[H, L0, L1]] * 2 + [[E, H, L0, L1]] * 2
    assert moved == [sorted(m) for m in expected]
    assert callback.history == [(0, 1), (2, 2), (4, 3), (6, 4)]
    assert optimizer.group_iterations() == {E: 2, L0: 4, L1: 6, H: 8}
    assert optimizer.trainable_groups == 4  # all unfrozen at the end


@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_unfreeze_every_n_steps(jit_compile):
    # Also under XLA (the runner's default for real runs): the compiled step
    # reads the optimizer's `trainable_groups` variable at every step.
    optimizer = DiscriminativeAdam(1e-2)
    model = compile_model(mini_model(), optimizer, jit_compile=jit_compile)
    recorder = StepRecorder(model.trainable_variables)
    callback = GradualUnfreezing(steps=3)
    x, y = random_data(n=20)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0, callbacks=[callback, recorder])
    moved = recorder.moved_groups(optimizer.group_of)
    assert moved == [[H]] * 3 + [[H, L1]] * 3 + [[H, L0, L1]] * 3 + [[E, H, L0, L1]]
    assert callback.history == [(0, 1), (3, 2), (6, 3), (9, 4)]


def test_loaded_hub_module_variables_unfreeze_by_name():
    """tf.Variables of a tf.Module, named transformer_layer_{i}, in a Keras layer."""
    module = FakeHubModule(num_layers=2)
    model = hub_model(module)
    lr = 1e-2
    optimizer = DiscriminativeAdam(lr, epsilon=1e-12)
    compile_model(model, optimizer)
    # Watch the module's own tf.Variables, not the Keras wrappers.
    watched = list(module.trainable_variables) + [
        model.get_layer("classifier").kernel, model.get_layer("classifier").bias
    ]
    recorder = StepRecorder(watched)
    x, y = random_data(n=8)
    model.fit(
        x, y, batch_size=8, epochs=4, verbose=0,
        callbacks=[GradualUnfreezing(), recorder],
    )
    assert optimizer.group_names == [E, L0, L1, H]

    def group_of(v):
        if isinstance(v, tf.Variable) and not hasattr(v, "path"):
            from tfnlp.finetuning import variable_group
            return variable_group(v)
        return optimizer.group_of(v)

    moved = recorder.moved_groups(group_of)
    assert moved == [[H], [H, L1], [H, L0, L1], [E, H, L0, L1]]
    # Each group's first step is its own learning rate: lr / 2.6**depth.
    for step, group in [(1, L1), (2, L0), (3, E)]:
        deltas = [d for v, d in zip(watched, recorder.deltas[step]) if group_of(v) == group]
        want = lr * optimizer.group_multipliers()[group]
        assert max(deltas) == pytest.approx(want, rel=1e-3), group


def test_custom_loop_on_raw_tf_variables():
    """The optimizer also takes a hub module's tf.Variables directly."""
    module = FakeHubModule(num_layers=2)
    optimizer = DiscriminativeAdam(1e-2)
    variables = list(module.trainable_variables)
    optimizer.build(variables)
    optimizer.set_trainable_groups(1)  # the top layer (no head here)
    before = snapshot(variables)
    ids = tf.constant(random_data(n=4)[0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(module(ids)))
    optimizer.apply(tape.gradient(loss, variables), variables)
    moved = {
        optimizer.group_of(v)
        for v, b in zip(variables, before) if not np.array_equal(v.numpy(), b)
    }
    assert moved == {L1}


def test_needs_a_discriminative_optimizer():
    model = compile_model(mini_model(), keras.optimizers.Adam(1e-3))
    x, y = random_data(n=4)
    with pytest.raises(TfnlpError, match="DiscriminativeOptimizer"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[GradualUnfreezing()])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(schedule="batch"), "schedule"),
        (dict(schedule="steps"), "steps=N"),
        (dict(steps=0), "steps=N"),
        (dict(initial_groups=0), "initial_groups"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(TfnlpError, match=message):
        GradualUnfreezing(**kwargs)


def test_get_config_round_trip():
    callback = GradualUnfreezing(steps=5, initial_groups=2)
    assert GradualUnfreezing(**callback.get_config()).get_config() == callback.get_config()
