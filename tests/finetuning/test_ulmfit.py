"""ulmfit / linear setups in one call, as `tfnlp finetune --schedule=...` uses them."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.finetuning import (
    DiscriminativeAdam,
    DiscriminativeAdamW,
    GradualUnfreezing,
    SlantedTriangularLR,
    finetuning_setup,
    linear_optimizer,
    ulmfit_optimizer,
)
from ulmfit_helpers import StepRecorder, compile_model, mini_model, random_data


def test_ulmfit_end_to_end():
    model = mini_model()
    setup = finetuning_setup("ulmfit", model, lr_max=1e-2, total_steps=20)
    assert isinstance(setup.optimizer, DiscriminativeAdamW)
    assert isinstance(setup.schedule, SlantedTriangularLR)
    assert [type(c) for c in setup.callbacks] == [GradualUnfreezing]
    compile_model(model, setup.optimizer)
    recorder = StepRecorder(model.trainable_variables)
    x, y = random_data(n=20)
    model.fit(x, y, batch_size=4, epochs=4, verbose=0,
              callbacks=setup.callbacks + [recorder])  # 5 steps per epoch
    moved = recorder.moved_groups(setup.optimizer.group_of)
    assert [len(m) for m in moved] == [1] * 5 + [2] * 5 + [3] * 5 + [4] * 5
    lrs = setup.optimizer.effective_learning_rates()
    base = float(setup.schedule(20))
    np.testing.assert_allclose(
        list(lrs.values()), [base * 2.6**-k for k in (3, 2, 1, 0)], rtol=1e-6
    )


def test_ulmfit_options():
    setup = ulmfit_optimizer(
        None, lr_max=1e-3, total_steps=100, base="adam", factor=2.0,
        unfreeze_every=10, clipnorm=None,
    )
    assert type(setup.optimizer) is DiscriminativeAdam
    assert setup.optimizer.factor == 2.0 and setup.optimizer.global_clipnorm is None
    assert setup.callbacks[0].steps == 10
    assert ulmfit_optimizer(None, lr_max=1e-3, total_steps=100, unfreeze_every=None).callbacks == []


def test_ulmfit_needs_layer_indices_up_front():
    ids = keras.Input((4,))
    model = keras.Model(ids, keras.layers.Dense(2, name="classifier")(ids))
    with pytest.raises(TfnlpError, match="No encoder layer index"):
        ulmfit_optimizer(model, lr_max=1e-3, total_steps=100)
    # `linear` needs no layer index.
    setup = linear_optimizer(model, lr_max=1e-3, total_steps=100)
    assert setup.callbacks == []


def test_linear_same_rate_everywhere_warmup_then_decay():
    model = mini_model()
    setup = finetuning_setup("linear", model, lr_max=1e-2, total_steps=10)
    compile_model(model, setup.optimizer)
    setup.optimizer.build(model.trainable_variables)  # to query before step 0
    x, y = random_data(n=8)
    rates = []

    class Rates(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(setup.optimizer.effective_learning_rates())

    model.fit(x, y, batch_size=2, epochs=1, verbose=0, callbacks=[Rates()])
    assert all(len(set(r.values())) == 1 for r in rates)  # one rate for all
    head = [r["head"] for r in rates]
    # 1 warmup step (10%), then linear decay to 0 at step 10.
    np.testing.assert_allclose(head, [0.0, 1e-2, 8/9 * 1e-2, 7/9 * 1e-2], rtol=1e-5)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: finetuning_setup("cosine", None, lr_max=1e-3, total_steps=10), "schedule"),
        (lambda: ulmfit_optimizer(None, lr_max=1e-3, total_steps=100, base="sgd"), "base"),
        (lambda: ulmfit_optimizer(None, lr_max=1e-3, total_steps=100, unfreeze_every="x"), "unfreeze_every"),
        (lambda: ulmfit_optimizer(None, lr_max=1e-3, total_steps=5), "no rising phase"),
        (lambda: linear_optimizer(None, lr_max=1e-3, total_steps=10, warmup_frac=1.0), "warmup_frac"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(TfnlpError, match=message):
        call()
