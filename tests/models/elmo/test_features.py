"""Feature-based ELMo on words: the layers of `elmo_word_layers`, the tagger over
them (the WNUT-16 benchmark's), and one clear error per bad input."""

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError

NAMES = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank"]
PLACES = ["Paris", "Rome", "Oslo", "Lima"]


def ner_sample(templates, seed):
    """Sentences of lower-case words with capitalised person / place names."""
    rng = np.random.default_rng(seed)
    sentences, tags = [], []
    for template in templates:
        words, labels = [], []
        for token in template.split():
            if token == "P":
                words.append(NAMES[rng.integers(len(NAMES))])
                labels.append("B-person")
            elif token == "L":
                words.append(PLACES[rng.integers(len(PLACES))])
                labels.append("B-geo-loc")
            else:
                words.append(token)
                labels.append("O")
        sentences.append(words)
        tags.append(labels)
    return sentences, tags


TRAIN = ["P went to L today", "yesterday P saw P in L", "we met P", "L is far",
         "the cat sat", "P and P like L", "nothing here at all", "P lives in L"] * 3
HELD = ["today P flew to L", "P is in L now", "a dog ran", "P met P"]


@pytest.fixture(scope="module")
def backbone():
    import keras

    from tfnlp.models.elmo.backbone import ElmoBackbone

    keras.utils.set_random_seed(1)
    return ElmoBackbone.from_preset("elmo_tiny")


def test_word_layers_are_the_backbone_positions_after_bos(backbone, tokenizer):
    """Word t is the backbone's position t + 1; a word over 48 bytes is cut to
    its first 48 (not an error), so its vectors are those of the cut word."""
    from tfnlp.models.elmo.features import elmo_word_layers

    long_word = "x" * 48 + "abcdefghijkl"
    sentences = [["The", "cat", "sat", "."], ["A", "dog"], ["a", long_word],
                 ["a", long_word[:48]]]
    layers, mask = elmo_word_layers(backbone, sentences, 6, batch_size=3)
    assert layers.shape == (4, 6, 3, 64)
    assert mask[:2].tolist() == [[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0]]
    np.testing.assert_allclose(layers[2], layers[3], atol=1e-6)
    packed = tokenizer.pack([tf.ragged.constant(sentences[:2])], seq_length=8)
    ref = backbone({"char_ids": packed["char_ids"], "padding_mask": packed["padding_mask"]})
    for j, out in enumerate(ref["encoder_outputs"]):
        # Word t is position t + 1 (after <S>); nothing past the words.
        np.testing.assert_allclose(layers[0, :4, j], out[0, 1:5], atol=1e-5)
        np.testing.assert_allclose(layers[1, :2, j], out[1, 1:3], atol=1e-5)
    assert (layers[1, 2:] == 0).all() and np.isfinite(layers).all()


def test_frozen_elmo_tagger_learns_a_small_ner_sample(backbone):
    """The regression of the WNUT-16 F1 of 0.0: a frozen (random) tiny ELMo's
    normalised mix feeds a tagger that finds entities in unseen sentences."""
    import keras

    from tfnlp.models.elmo.features import build_feature_tagger, elmo_word_layers
    from tfnlp.tasks.conlleval import conlleval

    tags = ["B-geo-loc", "B-person", "O"]
    train_words, train_tags = ner_sample(TRAIN, 0)
    held_words, held_tags = ner_sample(HELD, 1)
    xtr, mtr = elmo_word_layers(backbone, train_words, 8)
    xev, mev = elmo_word_layers(backbone, held_words, 8)
    ytr = np.zeros(mtr.shape, np.int32)
    for i, row in enumerate(train_tags):
        ytr[i, :len(row)] = [tags.index(t) for t in row]
    keras.utils.set_random_seed(0)
    tagger = build_feature_tagger(len(tags), elmo_shape=xtr.shape[2:], units=16,
                                  learning_rate=1e-2)
    frozen = [w.numpy().copy() for w in backbone.weights]
    tagger.fit({"elmo_layers": xtr, "mask": mtr}, ytr, sample_weight=mtr, batch_size=8,
               epochs=25, verbose=0)
    pred = tagger.predict({"elmo_layers": xev, "mask": mev}, verbose=0).argmax(-1)
    guess = [[tags[p] for p in pred[i, :len(row)]] for i, row in enumerate(held_tags)]
    assert conlleval(held_tags, guess).f1 > 50
    mix = tagger.scalar_mix
    assert mix is not None and mix.layer_norm and len(mix.mixing_weights()) == 3
    assert all((w.numpy() == f).all() for w, f in zip(backbone.weights, frozen))


BAD_INPUTS = [
    # (what, call, message)
    ("tokens: sequence_len past max_len",
     lambda: _tokens([["a", "b"]], [3]), r"sequence_len\[0\] = 3 is not in \[0, 2\]"),
    ("tokens: negative sequence_len",
     lambda: _tokens([["a", "b"], ["c", ""]], [2, -1]), r"sequence_len\[1\] = -1"),
    ("tokens: empty batch, a length given",
     lambda: _tokens(tf.zeros([0, 0], tf.string), [1]), r"1 length\(s\) for 0 row\(s\)"),
    ("tokens: not [batch, max_len]",
     lambda: _tokens(["a", "b"], [1, 1]), "got shape \\[2\\]"),
    ("tokens: float lengths",
     lambda: _tokens([["a"]], [1.0]), "sequence_len must be integers"),
    ("vocabulary without the sentence markers",
     lambda: _vocab(["<UNK>", "the", "cat"]), "missing <S> </S>"),
    ("mix over a layer the model does not have",
     lambda: _mix([0, 3]), r"cannot mix ELMo layers \[0, 3\].*0 .* to 2"),
    ("mix over no layer", lambda: _mix([]), "cannot mix ELMo layers"),
    ("word layers: a string, not words",
     lambda: _word_layers(["the cat"], 4), "sentence 0 must be a list"),
    ("word layers: max_len 0", lambda: _word_layers([["a"]], 0), "max_len must be"),
    ("tagger with no input", lambda: _tagger(), "needs elmo_shape, vocabulary_size"),
]


def _tokens(tokens, lengths):
    from tfnlp.models.elmo.hub_module import check_tokens_inputs

    return check_tokens_inputs(tokens, lengths)


def _vocab(words):
    from tfnlp.models.elmo.tokenizer import ElmoTokenizer

    return ElmoTokenizer(words)


def _mix(layers):
    from tfnlp.models.elmo.features import check_mix_layers

    return check_mix_layers(layers, 2)


def _word_layers(sentences, max_len):
    from tfnlp.models.elmo.backbone import ElmoBackbone
    from tfnlp.models.elmo.features import elmo_word_layers

    return elmo_word_layers(ElmoBackbone.from_preset("elmo_tiny"), sentences, max_len)


def _tagger():
    from tfnlp.models.elmo.features import build_feature_tagger

    return build_feature_tagger(3)


@pytest.mark.parametrize("what, call, message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_inputs_one_clear_error(what, call, message):
    with pytest.raises(TfnlpError, match=message):
        call()


def test_good_tokens_inputs_pass_the_python_checks():
    tokens, lengths = _tokens([["a", ""]], np.array([1], np.int64))
    assert tokens.shape == (1, 2) and lengths.dtype == tf.int32
    assert lengths.numpy().tolist() == [1]
    empty, none = _tokens(tf.zeros([0, 0], tf.string), [])
    assert empty.shape == (0, 0) and none.shape == (0,)
