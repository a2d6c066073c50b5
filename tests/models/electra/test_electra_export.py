"""ELECTRA's discriminator exports on the BERT encoder interface with an `rtd`
subobject, through the shared exporter."""

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.models.registry import get_family


@pytest.mark.slow
def test_export_encoder_rtd_and_preprocess(vocab_file, tmp_path):
    from tfnlp.hub.export import export_modules

    family = get_family("electra")
    tokenizer = family.load_tokenizer(vocab_file, seq_length=16)
    config = family.resolve_config(None, {"hidden_dim": 64, "embedding_dim": 32,
                                          "num_heads": 2, "num_layers": 1})
    backbone = family.build_backbone(config, tokenizer.vocab_size)
    pretrainer = family.build_pretrainer(backbone, "rtd", config, tokenizer, {})
    written = export_modules(family, backbone, tokenizer, str(tmp_path / "hub"),
                             heads=family.export_heads(pretrainer), seq_length=16)
    encoder = tf.saved_model.load(written["encoder"])
    preprocess = tf.saved_model.load(written["preprocess"])
    x = preprocess(tf.constant(["the cat sees a tree .", "a dog"]))
    out = encoder(x)
    inputs = {"token_ids": x["input_word_ids"], "segment_ids": x["input_type_ids"],
              "padding_mask": x["input_mask"]}
    np.testing.assert_allclose(out["sequence_output"].numpy(),
                               np.asarray(backbone(inputs)["sequence_output"]), atol=1e-5)
    np.testing.assert_allclose(out["pooled_output"].numpy(),
                               out["sequence_output"].numpy()[:, 0], atol=1e-6)
    np.testing.assert_allclose(encoder.rtd(x)["rtd_logits"].numpy(),
                               np.asarray(pretrainer.rtd_logits(inputs)), atol=1e-5)
