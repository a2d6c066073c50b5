"""XLNet's bad input, one clear `TfnlpError` each (a table)."""

import json
import os

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.registry import get_family


def _write(folder, name, content):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "wb" if isinstance(content, bytes) else "w") as f:
        f.write(content)
    return path


def _not_sentencepiece(root, spiece):
    get_family("xlnet").load_tokenizer(_write(root, "spiece.model", b"\x00\x01not a model"))


def _wordpiece_vocab(root, spiece):
    get_family("xlnet").load_tokenizer(_write(root, "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n"))


def _no_xlnet_pieces(root, spiece):
    from tfnlp.text.sentencepiece_tokenizer import learn_sentencepiece

    corpus = _write(root, "c.txt", "the cat sat on the mat\na dog ran in the park\n" * 40)
    plain = learn_sentencepiece(corpus, os.path.join(root, "plain"), 40)  # no <cls> <sep> ...
    get_family("xlnet").load_tokenizer(plain)


def _negative_mem_len(root, spiece):
    get_family("xlnet").resolve_config("xlnet_tiny", {"mem_len": -1})


def _max_sequence_length(root, spiece):
    get_family("xlnet").resolve_config("xlnet_tiny", {"max_sequence_length": 512})


def _pretrain_max_sequence_length(root, spiece):
    from tfnlp.pretraining.run_config import PretrainConfig

    PretrainConfig(model_dir=os.path.join(root, "run"), vocab=spiece, family="xlnet",
                   objective="plm", preset="xlnet_tiny", max_sequence_length=64).validate()


def _hf_folder(model_type, architectures):
    def load(root, spiece):
        import numpy as np
        import safetensors.numpy

        from tfnlp.models.xlnet.hf_converter import CONVERTER

        folder = os.path.join(root, "hf")
        os.makedirs(folder)
        safetensors.numpy.save_file({"word_embedding.weight": np.zeros((320, 64), np.float32)},
                                    os.path.join(folder, "model.safetensors"))
        _write(folder, "config.json", json.dumps({
            "model_type": model_type, "architectures": architectures, "vocab_size": 320,
            "n_layer": 2, "n_head": 2, "d_model": 64, "d_inner": 128}))
        _write(folder, "spiece.model", open(spiece, "rb").read())
        CONVERTER.load(folder)

    return load


CASES = [
    ("not_sentencepiece", _not_sentencepiece, "not a SentencePiece model"),
    ("wordpiece_vocab", _wordpiece_vocab, "not a SentencePiece model"),
    ("no_xlnet_special_pieces", _no_xlnet_pieces, "lacks XLNet's special pieces <cls> <sep>"),
    ("negative_mem_len", _negative_mem_len, "mem_len must be an integer >= 0"),
    ("max_sequence_length", _max_sequence_length, "xlnet has no max_sequence_length"),
    ("pretrain_max_sequence_length", _pretrain_max_sequence_length,
     "xlnet has no max_sequence_length"),
    ("hf_bert_folder", _hf_folder("bert", ["BertModel"]), "'bert' .* is not an XLNet"),
    ("hf_xlnet_classifier", _hf_folder("xlnet", ["XLNetForSequenceClassification"]),
     "XLNetForSequenceClassification.* not supported"),
]


@pytest.mark.parametrize("make, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_clear_error(make, message, tmp_path, xlnet_spiece):
    with pytest.raises(TfnlpError, match=message) as caught:
        make(str(tmp_path), xlnet_spiece)
    assert "\n" not in str(caught.value).strip()
