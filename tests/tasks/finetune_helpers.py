"""Tiny encoders and tiny real-English task data for the fine-tuning tests.

The encoders are 2-layer, hidden-32 BERTs with random weights over a small
vocabulary built from the test sentences, saved both as a tfnlp model dir
and as a TF-Hub encoder module.
"""

import json
import os
import re

# Sentence classification: is the sentence about an animal or about food?
ANIMAL = [
    "The dog barked at the cat.", "A horse ran across the field.",
    "The cat chased a small mouse.", "Birds sing in the tall trees.",
    "The cow eats grass on the farm.", "A wolf howled at night.",
    "The dog sleeps near the door.", "A fox hid in the forest.",
    "The horse and the cow stood in the barn.", "Wild birds fly south in winter.",
    "The mouse ran from the cat.", "A young wolf follows the pack.",
    "The old dog wagged its tail.", "A fox chased the birds.",
    "The cat climbed the tall tree.", "A cow gave birth in the barn.",
]
FOOD = [
    "She baked fresh bread this morning.", "The soup needs more salt.",
    "We ate rice and beans for dinner.", "He sliced the cheese and the bread.",
    "The cake tastes sweet.", "Fresh apples make a good pie.",
    "I cooked pasta with tomato sauce.", "The soup was hot and salty.",
    "She ate an apple and some cheese.", "We baked a chocolate cake.",
    "Rice with beans is a cheap dinner.", "The pie needs more sugar.",
    "He made tomato soup for lunch.", "Sweet bread with butter and jam.",
    "The pasta was cooked in salt water.", "Cheese and apples taste good together.",
]

# NER in IOB2: people, places.
NER_SENTENCES = [
    ("John lives in Paris .", "B-PER O O B-LOC O"),
    ("Mary visited London last year .", "B-PER O B-LOC O O O"),
    ("Peter Smith moved to Berlin .", "B-PER I-PER O O B-LOC O"),
    ("The meeting in Rome was long .", "O O O B-LOC O O O"),
    ("Anna met John in Madrid .", "B-PER O B-PER O B-LOC O"),
    ("Paris is bigger than Rome .", "B-LOC O O O B-LOC O"),
    ("Mary Jones works in London .", "B-PER I-PER O O B-LOC O"),
    ("We flew from Berlin to Madrid .", "O O O B-LOC O B-LOC O"),
]

# SQuAD: short contexts, questions with answers in them.
SQUAD_PARAGRAPHS = [
    ("The Eiffel Tower is in Paris. It was built in 1889.",
     [("q1", "Where is the Eiffel Tower?", "Paris"),
      ("q2", "When was the tower built?", "1889")]),
    ("Mount Everest is the highest mountain. It lies in Nepal.",
     [("q3", "What is the highest mountain?", "Mount Everest"),
      ("q4", "Where does Everest lie?", "Nepal")]),
    ("The river Nile flows through Egypt. It is very long.",
     [("q5", "Which river flows through Egypt?", "Nile"),
      ("q6", "Through which country does the Nile flow?", "Egypt")]),
]
SQUAD_IMPOSSIBLE = [("q7", "Who painted the tower?"), ("q8", "How cold is the Nile?")]


def words_of(texts):
    """Lower-cased words and punctuation marks of some texts (BERT-style split)."""
    out = set()
    for text in texts:
        out.update(re.findall(r"\w+|[^\w\s]", text.lower()))
    return out


def all_texts():
    texts = ANIMAL + FOOD + [s for s, _ in NER_SENTENCES]
    for context, qas in SQUAD_PARAGRAPHS:
        texts.append(context)
        texts += [q for _, q, _ in qas]
    texts += [q for _, q in SQUAD_IMPOSSIBLE]
    return texts


def write_vocab(path):
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(words_of(all_texts()))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(tokens) + "\n")
    return path


def tiny_encoder(vocab_size, max_sequence_length=64, seed=7):
    import keras

    from tfnlp.models.bert.backbone import BertEncoder

    keras.utils.set_random_seed(seed)
    return BertEncoder(vocabulary_size=vocab_size, num_layers=2, num_heads=2,
                       hidden_dim=32, intermediate_dim=64,
                       max_sequence_length=max_sequence_length)


def tiny_tokenizer(vocab, seq_length=64):
    """The BERT family tokenizer of `vocab` (uncased)."""
    from tfnlp.models.registry import get_family

    return get_family("bert").load_tokenizer(vocab, lower_case=True, seq_length=seq_length)


def write_encoders(root, max_sequence_length=64):
    """Writes `root/model` (tfnlp model dir) and `root/hub` (TF-Hub module).

    Returns:
        dict with `vocab`, `model`, `hub` paths and the `tokenizer`.
    """
    from tfnlp.hub.export_encoder import export_encoder_module
    from tfnlp.models.model_dir import save_model_dir

    os.makedirs(root, exist_ok=True)
    vocab = write_vocab(os.path.join(root, "vocab.txt"))
    tokenizer = tiny_tokenizer(vocab)
    encoder = tiny_encoder(tokenizer.vocab_size, max_sequence_length)
    model_dir = save_model_dir(os.path.join(root, "model"), "bert", encoder, tokenizer,
                               source="test")
    hub = export_encoder_module(encoder, tokenizer, os.path.join(root, "hub"), family="bert")
    return {"vocab": vocab, "model": model_dir, "hub": hub, "tokenizer": tokenizer}


def write_classification(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for text, label in rows:
            f.write(json.dumps({"text": text, "label": label}) + "\n")
    return path


def classification_split():
    """(train rows, eval rows): 12 + 4 sentences per class."""
    train = [(t, "animal") for t in ANIMAL[:12]] + [(t, "food") for t in FOOD[:12]]
    held = [(t, "animal") for t in ANIMAL[12:]] + [(t, "food") for t in FOOD[12:]]
    return train, held


def write_conll(path, sentences=NER_SENTENCES):
    with open(path, "w", encoding="utf-8") as f:
        for words, tags in sentences:
            for w, t in zip(words.split(), tags.split()):
                f.write(f"{w} {t}\n")
            f.write("\n")
    return path


def write_squad(path, version_2=False):
    paragraphs = []
    for i, (context, qas) in enumerate(SQUAD_PARAGRAPHS):
        entries = [{"id": qid, "question": q,
                    "answers": [{"text": a, "answer_start": context.index(a)}]}
                   for qid, q, a in qas]
        if version_2:
            for q in entries:
                q["is_impossible"] = False
            if i < len(SQUAD_IMPOSSIBLE):
                qid, q = SQUAD_IMPOSSIBLE[i]
                entries.append({"id": qid, "question": q, "answers": [],
                                "is_impossible": True})
        paragraphs.append({"context": context, "qas": entries})
    data = {"version": "v2.0" if version_2 else "1.1",
            "data": [{"title": "t", "paragraphs": paragraphs}]}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)
    return path
