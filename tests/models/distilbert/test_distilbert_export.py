"""DistilBERT exports on the BERT encoder interface (ignoring `input_type_ids`)
with an `mlm` subobject, through the shared exporter."""

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.models.registry import get_family


@pytest.mark.slow
def test_export_encoder_mlm_and_preprocess(vocab_file, tmp_path):
    from tfnlp.hub.export import export_modules

    family = get_family("distilbert")
    tokenizer = family.load_tokenizer(vocab_file, seq_length=16)
    config = family.resolve_config(None, {"hidden_dim": 32, "num_heads": 2, "num_layers": 1})
    backbone = family.build_backbone(config, tokenizer.vocab_size)
    pretrainer = family.build_pretrainer(backbone, "mlm", config, tokenizer, {})
    written = export_modules(family, backbone, tokenizer, str(tmp_path / "hub"),
                             heads=family.export_heads(pretrainer), seq_length=16)
    encoder = tf.saved_model.load(written["encoder"])
    preprocess = tf.saved_model.load(written["preprocess"])
    x = preprocess.bert_pack_inputs([preprocess.tokenize(tf.constant(["the cat sees"])),
                                     preprocess.tokenize(tf.constant(["a tree ."]))],
                                    seq_length=16)
    assert x["input_type_ids"].numpy().max() == 1
    out = encoder(x)
    flipped = encoder(dict(x, input_type_ids=1 - x["input_type_ids"]))
    np.testing.assert_allclose(out["sequence_output"].numpy(),
                               flipped["sequence_output"].numpy(), atol=0)
    inputs = {"token_ids": x["input_word_ids"], "segment_ids": x["input_type_ids"],
              "padding_mask": x["input_mask"]}
    np.testing.assert_allclose(out["sequence_output"].numpy(),
                               np.asarray(backbone(inputs)["sequence_output"]), atol=1e-5)
    positions = tf.constant([[1, 2]])
    logits = encoder.mlm(dict(x, masked_lm_positions=positions))["mlm_logits"].numpy()
    expected = pretrainer(dict(inputs, masked_lm_positions=positions))["mlm"]
    np.testing.assert_allclose(logits, np.asarray(expected), atol=1e-5)
