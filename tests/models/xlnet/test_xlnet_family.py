"""The xlnet family on the contract: config, tokenizer, backbone, plm data,
pretraining, model dir."""

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.models.registry import get_family
from tfnlp.objectives import get_objective
from tfnlp.objectives.base import DataOptions

SEQ = 32


@pytest.fixture(scope="module")
def family():
    return get_family("xlnet")


@pytest.fixture(scope="module")
def backbone(family, xlnet_tokenizer):
    config = family.resolve_config("xlnet_tiny", {"dropout": 0.0})
    return family.build_backbone(config, xlnet_tokenizer.vocab_size)


@pytest.fixture(scope="module")
def plm_data(xlnet_corpus, xlnet_tokenizer):
    plm = get_objective("plm")
    options = DataOptions(seq_length=SEQ, batch_size=8, heldout_fraction=0.1)
    train = plm.build_dataset(xlnet_corpus, xlnet_tokenizer, options, "train", seed=3)
    heldout = plm.build_dataset(xlnet_corpus, xlnet_tokenizer, options, "heldout", seed=3)
    return plm, train, heldout


def test_registry_and_config(family):
    assert family.objectives == ("plm",) and family.tokenizer_kind == "sentencepiece"
    assert family.hub_interface.asset_attribute == "sp_model_file"
    assert family.hub_interface.kind == "bert_encoder" and family.pooling == "pooled"
    base = family.resolve_config("xlnet_base")
    assert (base["num_layers"], base["hidden_dim"], base["num_heads"]) == (12, 768, 12)
    assert family.max_sequence_length(base) is None
    with pytest.raises(TfnlpError, match="mem_len must be an integer >= 0"):
        family.resolve_config("xlnet_tiny", {"mem_len": -1})
    with pytest.raises(TfnlpError, match="divisible by num_heads"):
        family.resolve_config("xlnet_tiny", {"num_heads": 3})
    with pytest.raises(TfnlpError, match="unknown xlnet model setting"):
        family.resolve_config("xlnet_tiny", {"max_positions": 64})
    with pytest.raises(TfnlpError, match="cannot pretrain with objective"):
        family.build_pretrainer(None, "mlm", {}, None)


def test_learn_and_load_tokenizer(family, xlnet_corpus, tmp_path):
    path = family.learn_tokenizer(xlnet_corpus, str(tmp_path / "tok"), vocab_size=200,
                                  lower_case=True, max_lines=600)
    assert path.endswith("tok/spiece.model")
    tokenizer = family.load_tokenizer(str(tmp_path / "tok"), seq_length=16)
    assert tokenizer.lower_case and tokenizer.kind == "sentencepiece"
    assert tokenizer.tokenize(tf.constant(["The Cat"])).to_list() == \
        tokenizer.tokenize(tf.constant(["the cat"])).to_list()
    assert tokenizer.vocabulary[3:8] == ["<cls>", "<sep>", "<pad>", "<mask>", "<eod>"]
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match="not a SentencePiece model"):
        family.load_tokenizer(str(vocab))


def test_backbone_outputs_and_groups(family, backbone, xlnet_tokenizer):
    packed = xlnet_tokenizer(tf.constant(["a dog", "the history of the world"]))
    out = backbone(packed)
    assert out["sequence_output"].shape == (2, SEQ, 64)
    assert out["pooled_output"].shape == (2, 64) and len(out["encoder_outputs"]) == 2
    # pooled_output: the summary of the last token (<cls>, left padding).
    expected = backbone.pooler.dense(out["sequence_output"][:, -1, :])
    np.testing.assert_allclose(out["pooled_output"].numpy(), expected.numpy(), atol=1e-6)
    names = [name for name, _ in family.layer_groups(backbone)]
    assert names == ["embeddings", "transformer_layer_0", "transformer_layer_1", "top"]
    clone = family.backbone_from_config(backbone.get_config())
    assert clone.count_params() == backbone.count_params()


def test_query_stream_never_sees_itself(backbone, xlnet_tokenizer):
    packed = {k: v.numpy() for k, v in xlnet_tokenizer(tf.constant(["a dog runs"])).items()}
    t = SEQ - 3  # a real token
    perm = np.zeros((1, SEQ, SEQ), np.float32)
    perm[0, :, t] = 1.0  # nobody sees position t ...
    mapping = np.zeros((1, 1, SEQ), np.float32)
    mapping[0, 0, t] = 1.0
    base = backbone.two_stream(dict(packed, perm_mask=perm, target_mapping=mapping))
    changed = dict(packed)
    changed["token_ids"] = packed["token_ids"].copy()
    changed["token_ids"][0, t] = (packed["token_ids"][0, t] + 17) % 300 + 9
    other = backbone.two_stream(dict(changed, perm_mask=perm, target_mapping=mapping))
    # ... so the query stream predicting t is blind to the token at t,
    np.testing.assert_allclose(base["query_output"].numpy(), other["query_output"].numpy(),
                               atol=1e-5)
    # while the content stream at t does see it.
    assert np.abs(base["sequence_output"].numpy()[0, t] -
                  other["sequence_output"].numpy()[0, t]).max() > 1e-3


def test_plm_data_is_deterministic_and_consistent(plm_data, xlnet_tokenizer, xlnet_corpus):
    plm, train, _ = plm_data
    again = list(train.take(3))
    # Skipping 2 batches (as a resumed run does) gives batch 2, on a fresh
    # dataset and on a second iterator of the same one.
    options = DataOptions(seq_length=SEQ, batch_size=8, heldout_fraction=0.1)
    fresh = plm.build_dataset(xlnet_corpus, xlnet_tokenizer, options, "train", seed=3)
    for resumed in (next(iter(fresh.skip(2))), next(iter(train.skip(2)))):
        for key in resumed:
            np.testing.assert_array_equal(resumed[key].numpy(), again[2][key].numpy())
    other = next(iter(plm.build_dataset(xlnet_corpus, xlnet_tokenizer, options, "train",
                                        seed=4)))
    assert (other["token_ids"].numpy() != again[0]["token_ids"].numpy()).any()
    batch = {k: v.numpy() for k, v in again[1].items()}
    mask, ids = batch["padding_mask"], batch["token_ids"]
    mapping, perm = batch["target_mapping"], batch["perm_mask"]
    num_predict = plm.default_max_predictions(SEQ)
    assert mapping.shape == (8, num_predict, SEQ)
    targets = mapping.sum(1) > 0
    # ~1/6 of the real tokens, never <sep>/<cls>/padding, ids match.
    rate = targets.sum() / mask.sum()
    assert 0.08 < rate < 0.22, rate
    assert not targets[(ids == xlnet_tokenizer.sep_id) | (ids == xlnet_tokenizer.cls_id)].any()
    assert not targets[mask == 0].any()
    np.testing.assert_array_equal(batch["target_ids"][batch["target_weights"] > 0],
                                  ids[np.nonzero(mapping.sum(1))])
    for row in range(8):
        where = np.nonzero(targets[row])[0]
        # a target never sees itself; every target sees every non-target
        assert all(perm[row, t, t] == 1 for t in where)
        context = np.nonzero((~targets[row]) & (mask[row] == 1) &
                             (ids[row] != xlnet_tokenizer.sep_id) &
                             (ids[row] != xlnet_tokenizer.cls_id))[0]
        assert (perm[row][np.ix_(where, context)] == 0).all()
        # the order among targets is a strict order: i sees j xor j sees i
        sub = perm[row][np.ix_(where, where)]
        off = ~np.eye(len(where), dtype=bool)
        assert ((sub + sub.T)[off] == 1).all()
    # spans: targets come in runs (fewer run starts than targets)
    runs = np.diff(np.concatenate([np.zeros((8, 1)), targets, np.zeros((8, 1))], 1), axis=1)
    assert (runs == 1).sum() < targets.sum()


@pytest.mark.slow
def test_pretrainer_fit_lowers_loss_and_model_dir(
        family, plm_data, xlnet_tokenizer, tmp_path):
    import keras

    from tfnlp.models.model_dir import load_model_dir, save_model_dir

    plm, train, heldout = plm_data
    config = family.resolve_config("xlnet_tiny", {"dropout": 0.0})
    backbone = family.build_backbone(config, xlnet_tokenizer.vocab_size)
    pretrainer = family.build_pretrainer(backbone, "plm", config, xlnet_tokenizer)
    assert pretrainer.backbone is backbone
    pretrainer.compile_for_pretraining(keras.optimizers.Adam(1e-3), jit_compile=False)
    history = pretrainer.fit(train.map(plm.split_features), steps_per_epoch=12, epochs=2,
                             verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0], losses
    last = {k: v[-1] for k, v in history.history.items()}
    assert set(plm.metric_names) <= set(plm.canonical_metrics(last))
    after = plm.evaluate(pretrainer, heldout)
    # From log(vocab) towards the unigram entropy. (Beating the unigram
    # baseline takes ~1,000 steps: see the README numbers.)
    assert after["heldout_loss"] < np.log(xlnet_tokenizer.vocab_size) - 0.3, after
    assert 0 < after["plm_unigram_baseline_accuracy"] < 0.2
    assert after["heldout_plm_accuracy"] > 0.5 * after["plm_unigram_baseline_accuracy"]
    # model dir round trip, with the heads.
    folder = save_model_dir(str(tmp_path / "keras"), "xlnet", backbone, xlnet_tokenizer,
                            pretrainer=pretrainer, objective="plm")
    loaded = load_model_dir(folder, seq_length=SEQ)
    assert loaded.family.name == "xlnet" and loaded.tokenizer.padding_side == "left"
    packed = xlnet_tokenizer(tf.constant(["a dog", "the world"]))
    np.testing.assert_allclose(loaded.backbone(packed)["pooled_output"].numpy(),
                               backbone(packed)["pooled_output"].numpy(), atol=1e-5)
    batch = next(iter(heldout.map(plm.split_features)))[0]
    rebuilt = loaded.build_pretrainer()
    np.testing.assert_allclose(rebuilt(batch)["plm"].numpy(), pretrainer(batch)["plm"].numpy(),
                               atol=1e-4)


@pytest.mark.slow
def test_hub_export_on_the_bert_interface(family, backbone, xlnet_tokenizer, tmp_path):
    from tfnlp.hub.export import export_modules

    out = export_modules(family, backbone, xlnet_tokenizer, str(tmp_path / "hub"), seq_length=16)
    preprocess = tf.saved_model.load(out["preprocess"])
    encoder = tf.saved_model.load(out["encoder"])
    assert encoder.sp_model_file.asset_path.numpy().decode().endswith("spiece.model")
    inputs = preprocess(tf.constant(["a dog", "the history of the world"]))
    assert inputs["input_word_ids"].numpy()[0, -1] == xlnet_tokenizer.cls_id
    assert inputs["input_mask"].numpy()[0, 0] == 0  # left padding
    outputs = encoder(inputs)
    ours = backbone({"token_ids": inputs["input_word_ids"], "segment_ids": inputs["input_type_ids"],
                     "padding_mask": inputs["input_mask"]})
    np.testing.assert_allclose(outputs["pooled_output"].numpy(), ours["pooled_output"].numpy(),
                               atol=1e-5)
    pair = preprocess.bert_pack_inputs([preprocess.tokenize(tf.constant(["a b"])),
                                        preprocess.tokenize(tf.constant(["c"]))], seq_length=12)
    assert pair["input_type_ids"].numpy()[0, -1] == 2
    assert preprocess.tokenize.get_special_tokens_dict()["padding_id"].numpy() == 5
