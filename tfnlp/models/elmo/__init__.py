"""The ELMo family (Peters et al. 2018): characters in, a biLM, layer mixes out.

The family contract (docs/CONTRACTS.md) for ELMo:

- `characters.py`, `vocab.py`, `tokenizer.py`: ELMo's 262 character ids
  (50 per word), the word vocabulary with `<S> </S> <UNK>` and
  `ElmoTokenizer` (kind `"word"`, asset `vocab.txt`);
- `presets.py`: `elmo_tiny`, `elmo_small`, `elmo_original`;
- `backbone.py`: `ElmoBackbone` (char CNN -> highway -> projection ->
  two residual LSTMP stacks);
- `pretrainer.py`: `BiLMPretrainer` for the `bilm` objective
  (`tfnlp.objectives.bilm`);
- `hub_module.py`: the TF-Hub module with Google's `elmo` signatures
  (`elmo_tokens`: the `tokens` signature with Python input checks);
- `features.py`: feature-based use: `ElmoFeatures` (frozen backbone +
  scalar mix), `elmo_word_layers` (layers of pre-split words) and
  `build_feature_tagger` (the WNUT-16 benchmark's biLSTM tagger).

The ULMFiT groups are `embeddings` (the character encoder), then
`lstm_layer_{i}` (both directions of layer `i`), then the rest.

Example:

>>> from tfnlp.models.registry import get_family
>>> elmo = get_family("elmo")
>>> elmo.resolve_config("elmo_tiny", {"lstm_dim": 128})["lstm_dim"]
128
"""

import os

from tfnlp.errors import TfnlpError
from tfnlp.models.family import Family, HubInterface
from tfnlp.models.registry import register_family
from tfnlp.models.elmo.presets import PRESETS

VOCAB_FILE = "vocab.txt"
# The full softmax up to this many words; a sampled one above ("auto").
FULL_SOFTMAX_MAX_VOCAB = 16384
DEFAULT_NUM_SAMPLES = 8192


def build_elmo_hub_module(backbone, tokenizer, heads=None, seq_length=None):
    """The `elmo` module builder of `HubInterface.module_builders`.

    See `tfnlp.models.elmo.hub_module.build_elmo_module`.
    """
    from tfnlp.models.elmo.hub_module import build_elmo_module

    return build_elmo_module(backbone, tokenizer)


def softmax_samples(options, vocabulary_size):
    """Sampled-softmax classes for a run's `objective_options` (None: full).

    Args:
        options: dict with optional `softmax` (`"auto"`, `"full"`,
            `"sampled"`) and `num_samples`.
        vocabulary_size: words in the softmax.

    Returns:
        int or None.
    """
    options = dict(options or {})
    unknown = sorted(set(options) - {"softmax", "num_samples"})
    if unknown:
        raise TfnlpError(f"unknown bilm objective option(s) {', '.join(unknown)}; known: "
                         "softmax (auto|full|sampled), num_samples")
    mode = options.get("softmax", "auto")
    if mode not in ("auto", "full", "sampled"):
        raise TfnlpError(f"bilm option softmax must be auto, full or sampled, got {mode!r}")
    samples = options.get("num_samples")
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, int)
                                or samples < 1):
        raise TfnlpError(f"bilm option num_samples must be a positive integer, got "
                         f"{samples!r}")
    if mode == "full" or (mode == "auto" and samples is None
                          and vocabulary_size <= FULL_SOFTMAX_MAX_VOCAB):
        return None
    # bilm-tf samples 8192 of 793k words; a quarter of a smaller vocabulary.
    samples = samples or min(DEFAULT_NUM_SAMPLES, vocabulary_size // 4)
    return samples if samples < vocabulary_size else None


def word_vocab_path(path):
    """`vocab.txt` of a tokenizer folder, or `path` itself if it is a file."""
    path = os.fspath(path)
    if os.path.isdir(path):
        candidate = os.path.join(path, VOCAB_FILE)
        if not os.path.isfile(candidate):
            raise TfnlpError(f"{path}: no {VOCAB_FILE} in this ELMo tokenizer folder")
        return candidate
    if not os.path.isfile(path):
        raise TfnlpError(f"ELMo vocab file not found: {path}")
    return path


class ElmoFamily(Family):
    """ELMo: see the module docstring."""

    name = "elmo"
    presets = PRESETS
    default_preset = "elmo_tiny"
    objectives = ("bilm",)
    default_objective = "bilm"
    tokenizer_kind = "word"
    pooling = "mean"
    hub_interface = HubInterface(kind="elmo", modules=("elmo",),
                                 module_builders={"elmo": build_elmo_hub_module})
    hf_converter = None

    def optional_fields(self):
        return ("dtype",)

    def check_config(self, config):
        from tfnlp.models.elmo.backbone import check_elmo_config

        super().check_config(config)
        check_elmo_config(config)

    def learn_tokenizer(self, files, output, vocab_size, lower_case=False, max_lines=None,
                        min_count=1):
        """Learns the word vocabulary; `output` is a `.txt` file or a folder.

        Args:
            files: corpus path(s).
            output: the vocab file or its folder.
            vocab_size: words kept, markers included.
            lower_case: lower-case (ELMo keeps case).
            max_lines: read at most this many lines.
            min_count: drop rarer words.

        Returns:
            str, the vocab file written.
        """
        from tfnlp.models.elmo.vocab import learn_word_vocab, write_word_vocab

        words = learn_word_vocab(files, max_size=vocab_size, min_count=min_count,
                                 lower_case=bool(lower_case), max_lines=max_lines)
        if not os.fspath(output).endswith(".txt"):
            output = os.path.join(output, VOCAB_FILE)
        return write_word_vocab(words, output)

    def load_tokenizer(self, path, lower_case=None, seq_length=128):
        """An `ElmoTokenizer` from `vocab.txt` or its folder (lower_case None:
        False, ELMo keeps case)."""
        from tfnlp.models.elmo.tokenizer import ElmoTokenizer

        return ElmoTokenizer(word_vocab_path(path), lower_case=bool(lower_case),
                             seq_length=seq_length)

    def build_backbone(self, config, vocabulary_size=None):
        """An `ElmoBackbone` (the word vocabulary only sizes the softmax)."""
        from tfnlp.models.elmo.backbone import ElmoBackbone

        return ElmoBackbone(**config)

    def backbone_from_config(self, config):
        from tfnlp.models.elmo.backbone import ElmoBackbone

        return ElmoBackbone.from_config(config)

    def build_pretrainer(self, backbone, objective, config, tokenizer, options=None):
        """A `BiLMPretrainer`; `options` may set `softmax` and `num_samples`."""
        from tfnlp.models.elmo.pretrainer import BiLMPretrainer

        if objective not in self.objectives:
            raise TfnlpError(f"elmo cannot pretrain with objective {objective!r}; "
                             f"choose one of {', '.join(self.objectives)}")
        return BiLMPretrainer(backbone, tokenizer.vocab_size,
                              num_samples=softmax_samples(options, tokenizer.vocab_size))

    def layer_groups(self, backbone):
        """`embeddings`, `lstm_layer_0`, ..., then `top` (anything else)."""
        names = ["embeddings"] + [f"lstm_layer_{i}" for i in range(backbone.num_layers)]
        groups, rest = {n: [] for n in names}, []
        for variable in backbone.weights:
            first = variable.path.split("/")[0]
            (groups[first] if first in groups else rest).append(variable)
        ordered = [(n, groups[n]) for n in names if groups[n]]
        if rest:
            ordered.append(("top", rest))
        return ordered


FAMILY = register_family(ElmoFamily())
