"""`tfnlp quickstart`: the whole line on embedded real data, in minutes on a CPU.

1. learn a WordPiece vocab from the WordNet corpus;
2. pretrain BERT-Tiny briefly (masked LM) and print the held-out masked-LM
   accuracy next to the unigram baseline (always predicting the most
   frequent masked token);
3. export the TF-Hub encoder (+mlm) and preprocess modules;
4. fine-tune a classifier on real labels (WordNet gloss -> lexicographer
   class) from the exported TF-Hub encoder, with the ULMFiT schedule, and
   print its eval accuracy and macro-F1 (next to the majority-class rate);
5. load the serving SavedModel and print one prediction.

Example:

    tfnlp quickstart --output=quickstart
    tfnlp quickstart --output=quickstart --steps=2000    # longer, better

All defaults are in `QUICKSTART_DEFAULTS`. The last stdout line is JSON with
the pretraining result plus `vocab`, `encoder` and `preprocess` paths.
"""

import json
import os

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = ("try it: vocab, a short BERT-Tiny pretraining on WordNet, TF-Hub export, "
           "ULMFiT fine-tuning on real labels, one served prediction")

# The one place for the quickstart's settings.
QUICKSTART_DEFAULTS = {
    "output": "tfnlp_quickstart",
    "input": "wordnet",
    "vocab_size": 2000,
    "vocab_max_lines": 5000,    # ~1 min; all 172k WordNet lines take ~10 min
    "preset": "bert_tiny",
    "objective": "mlm",
    "seq_length": 64,
    "batch_size": 32,
    "steps": 500,               # ~3 min at ~3 steps/s on 2 CPU cores
    "learning_rate": 2e-3,
    "warmup_steps": 50,
    "checkpoint_every": 100,
    "log_every": 50,
    "with_mlm": True,
    "finetune_train_examples": 4000,
    "finetune_eval_examples": 1000,
    "finetune_epochs": 3,
    "finetune_learning_rate": 4e-3,
    "finetune_schedule": "ulmfit",
    "serve_text": "a domesticated carnivorous mammal that barks and is kept as a pet",
}

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {
    "vocab_size": "[10, inf)", "vocab_max_lines": "[1, inf)", "seq_length": "[8, inf)",
    "batch_size": "[1, inf)", "steps": "[1, inf)", "learning_rate": "(0, inf)",
    "warmup_steps": "[0, inf)", "checkpoint_every": "[1, inf)", "log_every": "[1, inf)",
    "finetune_train_examples": "[1, inf)", "finetune_eval_examples": "[1, inf)",
    "finetune_epochs": "[1, inf)", "finetune_learning_rate": "(0, inf)",
}


def define_flags(flag_values):
    """Defines the quickstart flags (defaults from `QUICKSTART_DEFAULTS`)."""
    d = QUICKSTART_DEFAULTS
    flags.DEFINE_string("output", d["output"], "Folder for vocab.txt, model/ (the run) "
                        "and hub/ (the modules).", flag_values=flag_values)
    flags.DEFINE_string("input", d["input"], "Corpus files, or 'wordnet'.",
                        flag_values=flag_values)
    flags.DEFINE_integer("vocab_size", d["vocab_size"], "WordPiece vocab size.",
                         flag_values=flag_values)
    flags.DEFINE_integer("vocab_max_lines", d["vocab_max_lines"], "Lines read to learn "
                         "the vocab.", flag_values=flag_values)
    flags.DEFINE_string("preset", d["preset"], "Model preset.", flag_values=flag_values)
    flags.DEFINE_string("objective", d["objective"], "mlm or mlm_nsp.",
                        flag_values=flag_values)
    flags.DEFINE_integer("seq_length", d["seq_length"], "Sequence length.",
                         flag_values=flag_values)
    flags.DEFINE_integer("batch_size", d["batch_size"], "Batch size.",
                         flag_values=flag_values)
    flags.DEFINE_integer("steps", d["steps"], "Pretraining steps.", flag_values=flag_values)
    flags.DEFINE_float("learning_rate", d["learning_rate"], "Peak learning rate.",
                       flag_values=flag_values)
    flags.DEFINE_integer("warmup_steps", d["warmup_steps"], "Warmup steps.",
                         flag_values=flag_values)
    flags.DEFINE_integer("checkpoint_every", d["checkpoint_every"], "Checkpoint period.",
                         flag_values=flag_values)
    flags.DEFINE_integer("log_every", d["log_every"], "Progress period.",
                         flag_values=flag_values)
    flags.DEFINE_boolean("with_mlm", d["with_mlm"], "Export the MLM head too.",
                         flag_values=flag_values)
    flags.DEFINE_integer("finetune_train_examples", d["finetune_train_examples"],
                         "Labeled training examples (WordNet glosses).",
                         flag_values=flag_values)
    flags.DEFINE_integer("finetune_eval_examples", d["finetune_eval_examples"],
                         "Labeled evaluation examples.", flag_values=flag_values)
    flags.DEFINE_integer("finetune_epochs", d["finetune_epochs"], "Fine-tuning epochs.",
                         flag_values=flag_values)
    flags.DEFINE_float("finetune_learning_rate", d["finetune_learning_rate"],
                       "Peak fine-tuning learning rate (the head's, under ULMFiT).",
                       flag_values=flag_values)
    flags.DEFINE_string("finetune_schedule", d["finetune_schedule"], "ulmfit or linear.",
                        flag_values=flag_values)
    flags.DEFINE_string("serve_text", d["serve_text"], "Text for the served prediction.",
                        flag_values=flag_values)


def run(flag_values):
    """Runs vocab -> pretrain -> export; prints progress and one JSON line."""
    import warnings

    from tfnlp.cli.export_command import export_run
    from tfnlp.pretraining.callbacks import print_log
    from tfnlp.pretraining.run_config import PretrainConfig
    from tfnlp.pretraining.run_dir import resolve_input
    from tfnlp.pretraining.trainer import pretrain
    from tfnlp.text.vocab import learn_wordpiece_vocab, write_vocab

    f = flag_values
    if not f.output:
        raise TfnlpError("missing --output")
    warnings.filterwarnings("ignore", message=".*`shuffle=True` was passed.*")
    config = PretrainConfig(
        model_dir=os.path.join(f.output, "model"),
        vocab=os.path.join(f.output, "vocab.txt"), input=f.input,
        preset=f.preset, objective=f.objective, seq_length=f.seq_length,
        batch_size=f.batch_size, steps=f.steps, learning_rate=f.learning_rate,
        warmup_steps=f.warmup_steps, checkpoint_every=f.checkpoint_every,
        log_every=f.log_every)
    config.validate()
    corpus = resolve_input(f.input)
    if os.path.isfile(config.vocab):
        print_log(f"1/5 vocab: reusing {config.vocab}")
    else:
        print_log(f"1/5 vocab: learning {f.vocab_size} WordPieces from {corpus}")
        write_vocab(learn_wordpiece_vocab(corpus, f.vocab_size,
                                          max_lines=f.vocab_max_lines), config.vocab)
    print_log(f"2/5 pretrain: {f.preset}, {f.objective}, {f.steps} steps -> {config.model_dir}")
    result = pretrain(config)
    print_log(f"held-out masked-LM accuracy {result['heldout_mlm_accuracy']:.1%} "
              f"vs unigram baseline {result['unigram_baseline_accuracy']:.1%}")
    print_log(f"3/5 export -> {os.path.join(f.output, 'hub')}")
    paths = export_run(config.model_dir, os.path.join(f.output, "hub"),
                       with_heads=f.with_mlm, seq_length=f.seq_length)
    result.update(vocab=config.vocab, encoder=paths["encoder"],
                  preprocess=paths["preprocess"])
    result.update(_finetune_and_serve(f, paths["encoder"]))
    print(json.dumps(result), flush=True)
    return 0


def _majority_rate(train_path, eval_path):
    """Accuracy of always predicting the most frequent training label."""
    from collections import Counter

    def labels(path):
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line)["label"] for line in fh if line.strip()]

    top = Counter(labels(train_path)).most_common(1)[0][0]
    gold = labels(eval_path)
    return sum(label == top for label in gold) / len(gold)


def _serve_one(classifier_dir, text):
    """Runs the serving SavedModel's strings signature on one text.

    This is the path a server takes: `tf.saved_model.load` of
    `classifier/serving` (tf-text ops registered first), `serving_default` on
    a string, and the label names from `classifier/task.json`.
    """
    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  -- registers the tokenizer ops

    with open(os.path.join(classifier_dir, "task.json"), encoding="utf-8") as fh:
        labels = json.load(fh)["task_meta"]["labels"]
    serving = tf.saved_model.load(os.path.join(classifier_dir, "serving"))
    outputs = serving.signatures["serving_default"](text=tf.constant([text]))
    logits = next(iter(outputs.values())).numpy()[0]
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    best = int(np.argmax(logits))
    return {"label": labels[best], "probability": round(float(probabilities[best]), 4)}


def _finetune_and_serve(f, encoder_path):
    """Steps 4 and 5: fine-tune on WordNet lexnames, then serve one text."""
    import shutil

    from tfnlp.data.wordnet import sample_gloss_classification
    from tfnlp.pretraining.callbacks import print_log
    from tfnlp.tasks.runner import FinetuneConfig, finetune

    data = sample_gloss_classification(
        os.path.join(f.output, "lexname_data"), f.finetune_train_examples,
        f.finetune_eval_examples)
    classifier_dir = os.path.join(f.output, "classifier")
    if os.path.isdir(classifier_dir):  # a rerun replaces the earlier classifier
        shutil.rmtree(classifier_dir)
    print_log(f"4/5 fine-tune ({f.finetune_schedule}) a {len(data['labels'])}-class gloss "
              f"classifier on {f.finetune_train_examples} WordNet examples -> {classifier_dir}")
    metrics = finetune(FinetuneConfig(
        encoder=encoder_path, task="classification", train=data["train"],
        eval=data["eval"], output=classifier_dir, schedule=f.finetune_schedule,
        epochs=f.finetune_epochs, batch_size=f.batch_size,
        learning_rate=f.finetune_learning_rate, seq_length=f.seq_length))
    majority = _majority_rate(data["train"], data["eval"])
    print_log(f"eval accuracy {metrics['accuracy']:.1%}, macro-F1 {metrics['macro_f1']:.1%} "
              f"(majority class {majority:.1%})")
    served = _serve_one(classifier_dir, f.serve_text)
    print_log(f"5/5 serve (serving_default, strings in): {f.serve_text!r} -> "
              f"{json.dumps(served)}")
    return {
        "classifier": classifier_dir,
        "serving": os.path.join(classifier_dir, "serving"),
        "finetune_accuracy": metrics["accuracy"],
        "finetune_macro_f1": metrics["macro_f1"],
        "majority_class_accuracy": majority,
        "served_prediction": served,
    }
