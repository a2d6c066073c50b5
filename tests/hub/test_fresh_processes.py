"""Fresh-process tests: consumers load our exports as published modules.

(a) tf_keras + hub.KerasLayer fine-tunes the encoder; (b) Keras 3
tfnlp.hub.HubLayer fine-tunes it and a hand-built foreign module; (c)
loading needs `import tensorflow_text`, and our loader says so.
"""

import os
import shutil

import pytest
import tensorflow as tf

from foreign_module import save_foreign_module
from hub_test_modules import SENTENCES, exported_modules, run_script


@pytest.mark.slow
def test_tf_keras_hub_keras_layer_fine_tunes():
    m = exported_modules()
    r = run_script("tf_keras_hub.py", m["encoder"], m["preprocess"])
    assert r["n_trainable_weights"] == r["n_module_trainable"] > 0
    assert r["unchanged_with_gradient"] == []
    assert r["train_diff"] > 1e-3 and r["eval_diff"] == 0.0
    assert r["frozen_train_diff"] == 0.0  # hub: training only if trainable
    assert r["pair_shape"] == [len(SENTENCES), 24]
    assert r["mlm_shape"][:2] == [len(SENTENCES), 2]


@pytest.mark.slow
def test_keras3_hub_layer_and_tf_text_loading(tmp_path):
    m = exported_modules()
    foreign = save_foreign_module(str(tmp_path / "foreign"))
    # A re-exported copy of the preprocess module whose sources are deleted.
    src = tmp_path / "pre_copy"
    shutil.copytree(m["preprocess"], src)
    tf.saved_model.save(tf.saved_model.load(str(src)), str(tmp_path / "reexported"))
    shutil.rmtree(src)
    r = run_script("keras3_hub_layer.py", m["encoder"], m["preprocess"], foreign,
                   tmp_path / "reexported")
    assert r["tf_text_imported_by_tfnlp_hub"] is False
    assert "import tensorflow_text before loading; the preprocess module needs " \
           "tf-text ops" in r["no_tf_text_error"]
    assert r["plain_load_keys"] == ["input_mask", "input_type_ids", "input_word_ids"]
    assert r["n_trainable_weights"] == r["n_module_trainable"] > 0
    assert r["unchanged_with_gradient"] == []
    assert r["train_diff"] > 1e-3
    assert r["foreign_changed"] == [True, True]
    assert r["reexported_ids"] == [2, 17, 18, 3]
    assert r["reexported_asset"].startswith(str(tmp_path / "reexported"))
