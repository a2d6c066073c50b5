"""The static word-embedding families: `word2vec` (skip-gram, CBOW) and `glove`.

One fixed vector per word (Mikolov et al. 2013; Pennington et al. 2014).
Both families share the folder:

- `tokenizer.py`: `WordTokenizer` (kind `word`: `split_words` + a word
  vocabulary, `vocab.txt` + `counts.txt`);
- `presets.py`: `STATIC_PRESETS` (vector width, combiner);
- `backbone.py`: `StaticEmbedding` (`sequence_output` = the word vectors,
  `pooled_output` = their sqrt-n combination, `encoder_outputs` =
  `[sequence_output]`);
- `pretrainer.py`: `Word2VecPretrainer` (sparse SGD, negative sampling) and
  `GlovePretrainer` (AdaGrad on weighted least squares);
- `training.py`: `train_static` (vocabulary, batches, progress, resume,
  vectors files, model dir);
- `hub_module.py`: the `text_embedding` TF-Hub module (strings -> vectors).

Example:

>>> from tfnlp.models.registry import get_family
>>> get_family("word2vec").objectives, get_family("glove").objectives
(('skipgram', 'cbow'), ('glove',))
"""

import os

from tfnlp.errors import TfnlpError
from tfnlp.models.family import Family, HubInterface
from tfnlp.models.registry import register_family
from tfnlp.models.static.presets import STATIC_PRESETS


def _build_embedding_module(backbone, tokenizer, heads=None, seq_length=128):
    from tfnlp.models.static.hub_module import build_text_embedding_module

    family = getattr(backbone, "tfnlp_family", None) or "word2vec"
    return build_text_embedding_module(backbone, tokenizer, heads, seq_length, family=family)


class StaticFamily(Family):
    """What word2vec and GloVe share: tokenizer, backbone, hub module."""

    presets = STATIC_PRESETS
    default_preset = "static_100"
    tokenizer_kind = "word"
    pooling = "pooled"
    # `tfnlp finetune`'s default rate (linear schedule): the word vectors and
    # head need far more than BERT's 5e-5 (3e-2: 0.31 vs majority 0.11 on 400
    # WordNet lexname glosses, tests/models/static/test_finetune_static.py).
    finetune_learning_rate = 3e-2
    hub_interface = HubInterface(kind="text_embedding", modules=("embedding",),
                                 asset_attribute="vocab_file",
                                 module_builders={"embedding": _build_embedding_module})
    hf_converter = None

    def optional_fields(self):
        return ("dtype",)

    def check_config(self, config):
        from tfnlp.models.static.backbone import COMBINERS

        super().check_config(config)
        if config.get("combiner") not in COMBINERS:
            raise TfnlpError(f"{self.name} config: combiner must be one of "
                             f"{', '.join(COMBINERS)}, got {config.get('combiner')!r}")

    def learn_tokenizer(self, files, output, vocab_size, lower_case=True, max_lines=None,
                        min_count=1):
        """Keeps the `vocab_size - 1` most frequent words (`[UNK]` is the last id).

        Returns:
            str, the asset folder written (`vocab.txt`, `counts.txt`).
        """
        from tfnlp.text.word_vocab import learn_word_vocab

        if os.fspath(output).endswith(".txt"):
            output = os.path.dirname(os.fspath(output)) or "."
        vocab = learn_word_vocab(files, min_count=min_count,
                                 max_vocab=max(int(vocab_size) - 1, 1) if vocab_size else None,
                                 lower_case=lower_case, max_lines=max_lines)
        return vocab.save(output)

    def load_tokenizer(self, path, lower_case=None, seq_length=128):
        from tfnlp.models.static.tokenizer import WordTokenizer

        return WordTokenizer(os.fspath(path), lower_case=True if lower_case is None
                             else lower_case, seq_length=seq_length)

    def build_backbone(self, config, vocabulary_size):
        from tfnlp.models.static.backbone import StaticEmbedding

        backbone = StaticEmbedding(vocabulary_size=vocabulary_size, **config)
        backbone.tfnlp_family = self.name
        return backbone

    def backbone_from_config(self, config):
        from tfnlp.models.static.backbone import StaticEmbedding

        backbone = StaticEmbedding.from_config(config)
        backbone.tfnlp_family = self.name
        return backbone

    def _check_objective(self, objective):
        if objective not in self.objectives:
            raise TfnlpError(f"{self.name} cannot pretrain with objective {objective!r}; "
                             f"choose one of {', '.join(self.objectives)}")


class Word2VecFamily(StaticFamily):
    """word2vec: skip-gram or CBOW with negative sampling."""

    name = "word2vec"
    objectives = ("skipgram", "cbow")
    default_objective = "skipgram"

    def build_pretrainer(self, backbone, objective, config, tokenizer, options=None):
        from tfnlp.models.static.pretrainer import Word2VecPretrainer
        from tfnlp.objectives.skipgram import word2vec_options

        self._check_objective(objective)
        options = {k: v for k, v in dict(options or {}).items()
                   if k in ("negative", "window", "sample")}
        settings = word2vec_options(options)
        return Word2VecPretrainer(backbone, objective, negative=settings["negative"])


class GloveFamily(StaticFamily):
    """GloVe: weighted least squares on co-occurrence counts."""

    name = "glove"
    objectives = ("glove",)
    default_objective = "glove"

    def build_pretrainer(self, backbone, objective, config, tokenizer, options=None):
        from tfnlp.models.static.pretrainer import GlovePretrainer
        from tfnlp.objectives.glove import glove_options

        self._check_objective(objective)
        options = {k: v for k, v in dict(options or {}).items() if k in ("x_max", "power")}
        settings = glove_options(options)
        return GlovePretrainer(backbone, x_max=settings["x_max"], power=settings["power"])


WORD2VEC = register_family(Word2VecFamily())
GLOVE = register_family(GloveFamily())
FAMILY = WORD2VEC
