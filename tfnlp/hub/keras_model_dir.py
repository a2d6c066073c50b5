"""A tfnlp Keras model dir: a BERT encoder's config, weights and vocab.

Layout: `config.json` (`{"format": "tfnlp.keras_model_dir", "encoder":
<BertEncoder config>, "do_lower_case", "vocab": "vocab.txt",
"encoder_weights": "encoder.weights.h5", "source", ["pretrainer"]}`),
`vocab.txt`, `encoder.weights.h5` and, when the MLM head was kept,
`pretrainer.weights.h5`. Keras 3 code rebuilds the encoder from it natively,
without TF-Hub.

Example:

>>> save_keras_model_dir(load_hf_bert(folder), "/tmp/out/keras")         # doctest: +SKIP
>>> encoder, vocab, lower, _ = load_keras_model_dir("/tmp/out/keras")   # doctest: +SKIP
"""

import json
import os
import shutil

from tfnlp.errors import TfnlpError
from tfnlp.hub.hf_config import CONFIG_FILE, VOCAB_FILE, read_json

FORMAT = "tfnlp.keras_model_dir"
ENCODER_WEIGHTS = "encoder.weights.h5"
PRETRAINER_WEIGHTS = "pretrainer.weights.h5"


def save_keras_model_dir(hf_bert, directory, pretrainer=None, source=None):
    """Writes the tfnlp Keras model dir that `load_keras_model_dir` reads.

    The layout is in the module docstring.

    Args:
        hf_bert: the `HfBert` from `load_hf_bert`.
        directory: output folder (created).
        pretrainer: optional `BertPretrainer` from `build_hf_pretrainer`.
        source: where the checkpoint came from, recorded in config.json.

    Returns:
        str, the directory.

    Example:

    >>> save_keras_model_dir(load_hf_bert(folder), "/tmp/out/keras")   # doctest: +SKIP
    """
    os.makedirs(directory, exist_ok=True)
    shutil.copyfile(hf_bert.vocab_path, os.path.join(directory, VOCAB_FILE))
    hf_bert.encoder.save_weights(os.path.join(directory, ENCODER_WEIGHTS))
    config = {
        "format": FORMAT,
        "architecture": "bert",
        "encoder": hf_bert.encoder.get_config(),
        "do_lower_case": hf_bert.do_lower_case,
        "vocab": VOCAB_FILE,
        "encoder_weights": ENCODER_WEIGHTS,
        "source": source,
    }
    if pretrainer is not None:
        pretrainer.save_weights(os.path.join(directory, PRETRAINER_WEIGHTS))
        config["pretrainer"] = {"use_nsp": pretrainer.use_nsp,
                                "weights": PRETRAINER_WEIGHTS}
    with open(os.path.join(directory, CONFIG_FILE), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    return directory


def load_keras_model_dir(directory):
    """Rebuilds the encoder saved by `save_keras_model_dir`.

    Args:
        directory: a folder written by `save_keras_model_dir`.

    Returns:
        `HfBert` with `mlm_weights=None` (the MLM head, if saved, is in
        `pretrainer.weights.h5`).

    Example:

    >>> encoder, vocab, lower, _ = load_keras_model_dir("/tmp/out/keras")   # doctest: +SKIP
    """
    from tfnlp.hub.import_hf import HfBert
    from tfnlp.models.bert.backbone import BertEncoder

    config = read_json(os.path.join(directory, CONFIG_FILE), "tfnlp model config")
    if config.get("format") != FORMAT:
        raise TfnlpError(f"{directory}/{CONFIG_FILE} is not a tfnlp Keras model dir")
    encoder = BertEncoder.from_config(config["encoder"])
    weights = os.path.join(directory, config["encoder_weights"])
    if not os.path.isfile(weights):
        raise TfnlpError(f"{weights}: encoder weights file not found")
    encoder.load_weights(weights)
    return HfBert(encoder, os.path.join(directory, config["vocab"]),
                  bool(config["do_lower_case"]), None)
