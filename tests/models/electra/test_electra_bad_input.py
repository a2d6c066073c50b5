"""ELECTRA's bad input, one clear `TfnlpError` each (table-driven).

- generator options a discriminator cannot take (wider than it, bad sizes,
  unknown keys), refused by `PretrainConfig.validate` before any corpus is
  read, and by the pretrainer when built directly;
- Hugging Face folders of other architectures given to the ELECTRA importer.
"""

import json

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.registry import get_family
from tfnlp.pretraining import PretrainConfig

from corpus_helpers import vocab_tokens

# (objective_options, what the message says); electra_tiny is 128 wide, 2 layers.
BAD_GENERATORS = [
    ({"generator_hidden_ratio": 1.5}, "wider than the discriminator"),
    ({"generator_hidden_ratio": 2}, "makes the generator 256 wide"),
    ({"generator_hidden_ratio": 0}, "generator_hidden_ratio must be a positive number"),
    ({"generator_hidden_ratio": "1/4"}, "generator_hidden_ratio must be a positive number"),
    ({"generator_hidden_ratio": True}, "generator_hidden_ratio must be a positive number"),
    ({"generator_num_layers": 0}, "generator_num_layers must be a positive integer"),
    ({"generator_num_heads": 3}, r"generator_num_heads \(3\) must divide"),
    ({"generator_intermediate_dim": -4}, "generator_intermediate_dim must be a positive"),
    ({"rtd_weight": -1.0}, "rtd_weight must be a non-negative number"),
    ({"sampling_seed": 0.5}, "sampling_seed must be an integer"),
    ({"teacher": "x"}, "unknown electra objective option"),
]


@pytest.mark.parametrize("options,message", BAD_GENERATORS,
                         ids=[next(iter(o)) + "=" + str(next(iter(o.values())))
                              for o, _ in BAD_GENERATORS])
def test_bad_generator_is_refused_before_reading_the_corpus(tmp_path, options, message):
    config = PretrainConfig(model_dir=str(tmp_path / "run"), vocab="never-read.txt",
                            input=str(tmp_path / "no-such-corpus.txt"), family="electra",
                            objective="rtd", objective_options=json.dumps(options))
    with pytest.raises(TfnlpError, match=message):
        config.validate()
    assert not (tmp_path / "run").exists()


def test_the_pretrainer_itself_refuses_a_wider_generator(vocab_file):
    family = get_family("electra")
    config = family.resolve_config(None, {"hidden_dim": 32, "embedding_dim": 16,
                                          "num_heads": 2, "num_layers": 1})
    tokenizer = family.load_tokenizer(vocab_file, seq_length=16)
    backbone = family.build_backbone(config, tokenizer.vocab_size)
    with pytest.raises(TfnlpError, match="wider than the discriminator"):
        family.build_pretrainer(backbone, "rtd", config, tokenizer,
                                {"generator_hidden_ratio": 1.25})


def _config(name):
    transformers = pytest.importorskip("transformers")
    return getattr(transformers, name)().to_dict()


# (config.json contents, what the message says)
OTHER_ARCHITECTURES = [
    ("BertConfig", "model_type 'bert'"),
    ("DistilBertConfig", "model_type 'distilbert'"),
    ("RobertaConfig", "model_type 'roberta'"),
    ("XLNetConfig", "model_type 'xlnet'"),
    ("GPT2Config", "model_type 'gpt2'"),
    ({"architectures": ["BertForMaskedLM"], "vocab_size": 10}, r"architectures \['BertForMaskedLM'\]"),
    ({"vocab_size": 10}, "model_type None"),
]


@pytest.mark.parametrize("config,message", OTHER_ARCHITECTURES,
                         ids=[c if isinstance(c, str) else "no_model_type_" + str(i)
                              for i, (c, _) in enumerate(OTHER_ARCHITECTURES)])
def test_another_architecture_is_refused_by_the_electra_importer(tmp_path, config, message):
    if isinstance(config, str):
        config = _config(config)
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"")   # never read: the config is refused first
    (folder / "vocab.txt").write_text("\n".join(vocab_tokens()) + "\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match=message) as error:
        get_family("electra").hf_converter.load(str(folder))
    assert "is not an ELECTRA checkpoint" in str(error.value)
