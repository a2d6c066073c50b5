"""Per-group learning rates that hold under Adam; optimizer-side freezing."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.finetuning import (
    DiscriminativeAdam,
    DiscriminativeAdamW,
    DiscriminativeOptimizer,
    DiscriminativeSGD,
    SlantedTriangularLR,
    discriminative_class,
)
from ulmfit_helpers import (
    mini_model,
    StepRecorder,
    compile_model,
    random_data,
    slots_of,
    snapshot,
)

GROUPS = ["embeddings", "transformer_layer_0", "transformer_layer_1", "head"]


def built(optimizer, model):
    optimizer.build(model.trainable_variables)
    return optimizer


def test_gradient_scale_does_not_change_an_adam_step():
    """Why a gradient multiplier is no discriminative LR under Adam."""
    steps = []
    for scale in (1.0, 1 / 2.6):
        variable = keras.Variable(np.zeros(4, "float32"))
        optimizer = keras.optimizers.Adam(1e-3, epsilon=1e-12)
        grad = scale * np.array([0.3, -2.0, 0.01, 5.0], "float32")
        optimizer.apply([grad], [variable])
        steps.append(keras.ops.convert_to_numpy(variable))
    np.testing.assert_allclose(steps[0], steps[1], rtol=1e-5)


def test_multipliers_are_factor_powers_from_the_top():
    optimizer = built(DiscriminativeAdam(1e-3), mini_model())
    assert optimizer.group_names == GROUPS
    multipliers = list(optimizer.group_multipliers().values())
    np.testing.assert_allclose(multipliers, [2.6**-3, 2.6**-2, 2.6**-1, 1.0])
    lrs = list(optimizer.effective_learning_rates().values())
    np.testing.assert_allclose(np.array(lrs[1:]) / np.array(lrs[:-1]), [2.6] * 3, rtol=1e-6)


def test_effective_learning_rates_follow_the_schedule():
    schedule = SlantedTriangularLR(0.01, total_steps=40)
    model = compile_model(mini_model(), DiscriminativeAdam(schedule, factor=2.0))
    x, y = random_data(n=8)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # 2 steps
    lrs = model.optimizer.effective_learning_rates()
    base = float(schedule(2))
    for depth, group in enumerate(reversed(GROUPS)):
        assert lrs[group] == pytest.approx(base * 2.0**-depth, rel=1e-6)


def test_first_adam_step_equals_each_groups_learning_rate():
    """Adam's first step is lr * g / (|g| + eps): per element ~lr of its group."""
    lr = 1e-3
    model = compile_model(mini_model(), DiscriminativeAdam(lr, epsilon=1e-12))
    recorder = StepRecorder(model.trainable_variables)
    x, y = random_data(n=8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[recorder])
    optimizer = model.optimizer
    (deltas,) = recorder.deltas
    assert_first_adam_steps(optimizer, model.trainable_variables, deltas, lr, GROUPS)


def assert_first_adam_steps(optimizer, variables, deltas, lr, groups):
    """Largest |step| in each group == lr * multiplier; none larger."""
    largest = {}
    for variable, delta in zip(variables, deltas):
        group = optimizer.group_of(variable)
        largest[group] = max(largest.get(group, 0.0), delta)
        # An element with a ~0 gradient (e.g. an attention key bias, which
        # softmax ignores) steps less, never more.
        assert delta <= lr * optimizer.group_multipliers()[group] * 1.001
    for group in groups:
        want = lr * optimizer.group_multipliers()[group]
        assert largest[group] == pytest.approx(want, rel=1e-3), group


def test_frozen_groups_and_their_slots_do_not_move():
    lr = 1e-2
    optimizer = DiscriminativeAdamW(lr, weight_decay=0.1)
    model = compile_model(mini_model(), optimizer)
    x, y = random_data(n=8)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # 2 steps, all trainable
    variables = model.trainable_variables
    slots = {v.path: slots_of(optimizer, v) for v in variables}
    assert all(len(s) == 2 for s in slots.values())  # momentum, velocity
    before_slots = {p: snapshot(s) for p, s in slots.items()}

    optimizer.set_trainable_groups(1)  # head only
    assert optimizer.trainable_group_names() == ["head"]
    assert optimizer.effective_learning_rates()["transformer_layer_1"] == 0.0
    recorder = StepRecorder(variables)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.moved_groups(optimizer.group_of) == [["head"], ["head"]]
    for variable in variables:
        unchanged = [
            np.array_equal(a, b)
            for a, b in zip(snapshot(slots[variable.path]), before_slots[variable.path])
        ]
        if optimizer.group_of(variable) == "head":
            assert not any(unchanged), variable.path
        else:
            assert all(unchanged), variable.path
    assert optimizer.group_iterations() == {
        "embeddings": 2, "transformer_layer_0": 2, "transformer_layer_1": 2, "head": 4,
    }
    assert int(optimizer.iterations) == 4

    optimizer.set_trainable_groups(None)
    recorder = StepRecorder(variables)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.moved_groups(optimizer.group_of) == [sorted(GROUPS)] * 2


def test_newly_unfrozen_group_takes_a_fresh_first_adam_step():
    """Per-group bias correction: a first step of ~lr, not ~3 lr, at step 6."""
    lr = 1e-3
    optimizer = DiscriminativeAdam(lr, epsilon=1e-12)
    model = compile_model(mini_model(), optimizer)
    optimizer.build(model.trainable_variables)
    optimizer.set_trainable_groups(1)
    x, y = random_data(n=8)
    model.fit(x, y, batch_size=8, epochs=6, verbose=0)
    optimizer.set_trainable_groups(4)
    recorder = StepRecorder(model.trainable_variables)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[recorder])
    fresh = [
        (v, d)
        for v, d in zip(model.trainable_variables, recorder.deltas[0])
        if optimizer.group_of(v) != "head"
    ]
    assert_first_adam_steps(optimizer, *zip(*fresh), lr, GROUPS[:-1])


def test_decoupled_weight_decay_uses_the_group_rate_and_skips_bias():
    def var(name, shape):
        return keras.Variable(np.ones(shape, "float32"), name=name)

    variables = [
        var("transformer_layer_0_dense_kernel", (2, 2)),
        var("transformer_layer_1_dense_kernel", (2, 2)),
        var("transformer_layer_1_dense_bias", (2,)),  # excluded: "bias"
        var("classifier_kernel", (2,)),
    ]
    optimizer = DiscriminativeAdamW(0.1, weight_decay=0.5, factor=2.0)
    zeros = [np.zeros(v.shape, "float32") for v in variables]
    optimizer.apply(zeros, variables)  # the Adam part is 0 for a zero gradient
    values = [float(keras.ops.convert_to_numpy(v).ravel()[0]) for v in variables]
    # w -= w * weight_decay * lr * factor**-depth
    assert values == pytest.approx([1 - 0.05 / 4, 1 - 0.05 / 2, 1.0, 1 - 0.05])


def test_config_round_trip_keeps_schedule_and_decay():
    optimizer = DiscriminativeAdamW(
        SlantedTriangularLR(1e-3, 100), weight_decay=0.01, factor=3.0,
        group_multipliers={"embeddings": 0.0}, global_clipnorm=1.0,
    )
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(optimizer)
    )
    assert type(restored) is DiscriminativeAdamW
    assert restored.get_config() == optimizer.get_config()
    assert restored.decoupled_weight_decay == 0.01 and restored.weight_decay is None
    assert float(restored.learning_rate) == pytest.approx(1e-3 / 32)  # STLR(0)


def test_saved_model_file_restores_optimizer_state(tmp_path):
    model = compile_model(mini_model(), DiscriminativeAdam(1e-3))
    x, y = random_data(n=8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.optimizer.set_trainable_groups(2)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.optimizer) is DiscriminativeAdam
    assert loaded.optimizer.trainable_groups == 2
    assert loaded.optimizer.group_iterations() == model.optimizer.group_iterations()


def test_group_multiplier_override_zero_freezes_nothing_else():
    optimizer = DiscriminativeSGD(0.1, group_multipliers={"embeddings": 0.0})
    model = compile_model(mini_model(), optimizer)
    recorder = StepRecorder(model.trainable_variables)
    x, y = random_data(n=8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.moved_groups(optimizer.group_of) == [
        ["head", "transformer_layer_0", "transformer_layer_1"]
    ]


def test_discriminative_class_wraps_any_keras_optimizer():
    cls = discriminative_class(keras.optimizers.RMSprop)
    assert cls is discriminative_class(keras.optimizers.RMSprop)
    assert discriminative_class(keras.optimizers.Adam) is DiscriminativeAdam
    optimizer = cls(1e-2, momentum=0.9)
    model = compile_model(mini_model(), optimizer)
    optimizer.build(model.trainable_variables)
    optimizer.set_trainable_groups(2)
    recorder = StepRecorder(model.trainable_variables)
    x, y = random_data(n=8)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[recorder])
    assert recorder.moved_groups(optimizer.group_of) == [["head", "transformer_layer_1"]] * 2
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(optimizer)
    )
    assert type(restored) is cls


def test_model_without_layer_index_raises():
    ids = keras.Input((4,))
    model = keras.Model(ids, keras.layers.Dense(2, name="classifier")(ids))
    with pytest.raises(TfnlpError, match="No encoder layer index"):
        DiscriminativeAdam(1e-3).build(model.trainable_variables)
    # Allowed when asked for.
    optimizer = DiscriminativeAdam(1e-3, require_layer_groups=False)
    optimizer.build(model.trainable_variables)
    assert optimizer.group_names == ["head"]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: DiscriminativeOptimizer(1e-3), "mixed into"),
        (lambda: DiscriminativeAdam(1e-3, factor=0), "factor"),
        (lambda: DiscriminativeAdam(1e-3, gradient_accumulation_steps=2), "accumulation"),
        (lambda: DiscriminativeAdam(1e-3, pooler="x"), "pooler"),
        (lambda: discriminative_class(int), "not a keras"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(TfnlpError, match=message):
        make()


def test_unknown_group_multiplier_and_unbuilt_queries():
    optimizer = DiscriminativeAdam(1e-3, group_multipliers={"pooler": 0.5})
    with pytest.raises(TfnlpError, match="not built"):
        optimizer.effective_learning_rates()
    with pytest.raises(TfnlpError, match="unknown groups"):
        optimizer.build(mini_model().trainable_variables)


def algorithm1_adam(grads, lr, eps, beta_1=0.9, beta_2=0.999):
    """Kingma & Ba Algorithm 1 (PyTorch's Adam) in numpy: the weights' path."""
    w, m, v, path = 0.0, 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
        w -= lr * m_hat / (np.sqrt(v_hat) + eps)
        path.append(w)
    return np.array(path)


@pytest.mark.parametrize("bias_corrected", [True, False])
def test_epsilon_is_added_to_the_bias_corrected_moment(bias_corrected):
    """Gradients of ~eps size, where the two epsilon forms differ 3-30x."""
    grads = [2e-6, 1e-6, -3e-6, 2e-6, 1e-6]
    lr, eps = 0.1, 1e-6
    variable = keras.Variable(np.zeros(1, "float32"), name="classifier_kernel")
    optimizer = DiscriminativeAdam(lr, epsilon=eps, require_layer_groups=False,
                                   bias_corrected_epsilon=bias_corrected)
    path = []
    for g in grads:
        optimizer.apply([np.array([g], "float32")], [variable])
        path.append(float(keras.ops.convert_to_numpy(variable)[0]))
    want = algorithm1_adam(grads, lr, eps)
    if bias_corrected:
        np.testing.assert_allclose(path, want, rtol=1e-4)
    else:  # Keras's form: eps on sqrt(v), i.e. eps / sqrt(1 - beta_2**t) here
        assert abs(path[0]) < abs(want[0]) / 4
    assert optimizer.epsilon == eps  # outside an update: the configured float
