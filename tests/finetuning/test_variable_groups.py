"""Grouping of variables into embeddings / transformer_layer_{i} / pooler / head."""

import keras
import pytest

from ulmfit_helpers import FakeHubModule, standin_model
from tfnlp.errors import TfnlpError
from tfnlp.finetuning import group_variables, layer_index, variable_group
from tfnlp.finetuning.variable_groups import groups_from_layers


@pytest.mark.parametrize(
    "name, group",
    [
        ("transformer_layer_3/self_attention/query/kernel:0", "transformer_layer_3"),
        ("bert_encoder/transformer_layer_10/feedforward/bias:0", "transformer_layer_10"),
        # TFSMLayer-style: "/" written as "_".
        ("bert_encoder_transformer_layer_2_dense_kernel_0", "transformer_layer_2"),
        # Model Garden style.
        ("transformer/layer_3/self_attention/query/kernel:0", "transformer_layer_3"),
        ("bert/encoder/layer_7/output/dense/kernel:0", "transformer_layer_7"),
        ("layer_1/attention/kernel", "transformer_layer_1"),
        # ELMo's biLSTM layers (native paths, TF names, HubLayer's "__" names).
        ("lstm_layer_1/backward/cell/kernel:0", "lstm_layer_1"),
        ("lstm_layer_0__forward__cell__projection", "lstm_layer_0"),
        ("embeddings/char_cnn/conv_0/kernel:0", "embeddings"),
        ("elmo_scalar_mix/gamma:0", "head"),
        # Layer-internal names that mention embeddings / layer_norm.
        ("transformer_layer_0/self_attention_layer_norm/gamma", "transformer_layer_0"),
        ("pooler/kernel", "pooler"),
        ("pooler_transform/bias:0", "pooler"),
        ("embeddings/token_embedding/embeddings", "embeddings"),
        ("word_embeddings/embeddings:0", "embeddings"),
        ("embeddings/layer_norm/gamma:0", "embeddings"),
        ("classifier/kernel", "head"),
        # Not layer indices: a head layer name and Keras's default LN name.
        ("dense_layer_1/kernel", "head"),
        ("layer_normalization/gamma", "head"),
    ],
)
def test_variable_group_from_names(name, group):
    assert variable_group(name) == group


def test_layer_index():
    assert layer_index("transformer_layer_12/x") == 12
    assert layer_index("head/dense/kernel") is None


def test_standin_model_groups_in_bottom_to_top_order():
    model = standin_model(num_layers=2)
    groups = group_variables(model.trainable_variables)
    assert list(groups) == ["embeddings", "transformer_layer_0", "transformer_layer_1", "head"]
    assert [v.path for v in groups["head"]] == ["classifier/kernel", "classifier/bias"]
    assert len(groups["embeddings"]) == 1
    assert sum(len(v) for v in groups.values()) == len(model.trainable_variables)


def test_layers_sorted_numerically():
    names = [f"transformer_layer_{i}/k" for i in (10, 2, 0, 1)] + ["head/k"]
    assert list(group_variables(names)) == [
        "transformer_layer_0", "transformer_layer_1", "transformer_layer_2",
        "transformer_layer_10", "head",
    ]


def test_elmo_lstm_layers_sorted_and_required():
    names = ["lstm_layer_1/forward/cell/kernel", "embeddings/projection/kernel",
             "lstm_layer_0/backward/cell/bias", "task/kernel"]
    assert list(group_variables(names, require_layers=True)) == [
        "embeddings", "lstm_layer_0", "lstm_layer_1", "head"]


def test_bert_encoder_pooler_merge_or_separate():
    from tfnlp.models.bert.backbone import BertEncoder

    encoder = BertEncoder(
        vocabulary_size=30, num_layers=2, num_heads=2, hidden_dim=8,
        intermediate_dim=16, max_sequence_length=8,
    )
    inputs = {
        k: keras.Input((None,), dtype="int32", name=k)
        for k in ("token_ids", "segment_ids", "padding_mask")
    }
    out = keras.layers.Dense(2, name="classifier")(encoder(inputs)["pooled_output"])
    model = keras.Model(inputs, out)

    merged = group_variables(model.trainable_variables)
    assert list(merged) == ["embeddings", "transformer_layer_0", "transformer_layer_1", "head"]
    assert {"pooler/kernel", "pooler/bias"} <= {v.path for v in merged["transformer_layer_1"]}
    assert len(merged["embeddings"]) == 5  # token, position, segment, LN gamma/beta

    separate = group_variables(model.trainable_variables, pooler="separate")
    assert list(separate) == [
        "embeddings", "transformer_layer_0", "transformer_layer_1", "pooler", "head",
    ]

    # The family's layer groups (native models) give the very same groups.
    from tfnlp.models.registry import get_family

    family_groups = get_family("bert").layer_groups(encoder)
    native = groups_from_layers(family_groups, model.trainable_variables)
    assert list(native) == list(merged)
    for name in merged:
        assert [id(v) for v in native[name]] == [id(v) for v in merged[name]]
    native = groups_from_layers(family_groups, model.trainable_variables, pooler="separate")
    assert list(native) == ["embeddings", "transformer_layer_0", "transformer_layer_1",
                            "top", "head"]


def test_groups_from_layers_rules():
    a, b, c, d = (keras.Variable(0.0, name=n) for n in "abcd")
    groups = groups_from_layers([("lstm_0", [a]), ("lstm_1", [b])], [d, b, a, c])
    assert list(groups) == ["lstm_0", "lstm_1", "head"]
    assert groups["head"] == [d, c]
    with pytest.raises(TfnlpError, match="in two layer groups"):
        groups_from_layers([("x", [a]), ("y", [a])], [a])
    with pytest.raises(TfnlpError, match="distinct names"):
        groups_from_layers([("head", [a])], [a])
    with pytest.raises(TfnlpError, match="none of the 1 variables"):
        groups_from_layers([("x", [a])], [d], require_layers=True)


def test_hub_module_tf_variables_group_by_name():
    module = FakeHubModule(num_layers=3)
    groups = group_variables(module.trainable_variables)
    assert list(groups) == [
        "embeddings", "transformer_layer_0", "transformer_layer_1", "transformer_layer_2",
    ]
    assert all(len(groups[f"transformer_layer_{i}"]) == 2 for i in range(3))


def test_no_layer_index_is_a_clear_error():
    names = ["module/dense/kernel:0", "module/dense/bias:0", "word_embeddings:0"]
    assert list(group_variables(names)) == ["embeddings", "head"]
    with pytest.raises(TfnlpError, match="No encoder layer index"):
        group_variables(names, require_layers=True)


def test_bad_pooler_mode():
    with pytest.raises(TfnlpError, match="pooler"):
        group_variables(["a"], pooler="top")
