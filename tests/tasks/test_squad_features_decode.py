"""SQuAD windows and decoding with the real BERT uncased vocabulary (BERT's
layout, and XLNet's left-padded layout)."""

import json

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.tasks import (WordPieces, convert_squad_examples, decode_squad_predictions,
                         get_final_text, gold_answers, read_squad, squad_evaluate,
                         squad_features_to_arrays)
from tfnlp.tasks.squad_decode import best_indexes
from tfnlp.tasks.squad_features import doc_spans, improve_answer_span, is_max_context

LONG_CONTEXT = (
    "Nikola Tesla was a Serbian-American inventor, electrical engineer and futurist. "
    "He is best known for his contributions to the design of the modern alternating current "
    "electricity supply system. Born and raised in the Austrian Empire, Tesla studied "
    "engineering and physics in the 1870s without receiving a degree. He gained practical "
    "experience in the early 1880s working in telephony and at Continental Edison in the new "
    "electric power industry. In 1884 he emigrated to the United States, where he became a "
    "naturalized citizen. He worked for a short time at the Edison Machine Works in New York "
    "City before he struck out on his own. With the help of partners to finance and market "
    "his ideas, Tesla set up laboratories and companies in New York to develop a range of "
    "electrical and mechanical devices. His alternating current induction motor and related "
    "polyphase patents, licensed by Westinghouse Electric in 1888, earned him a considerable "
    "amount of money and became the cornerstone of the polyphase system which that company "
    "eventually marketed. Tesla's later years were spent in New York, where he died in "
    "January 1943 at the Hotel New Yorker."
)

QUESTIONS = [
    ("q_company", "Which company licensed his induction motor patents?", "Westinghouse Electric"),
    ("q_year", "In what year did Tesla emigrate to the United States?", "1884"),
    ("q_poss", "Whose later years were spent in New York?", "Tesla"),  # inside "Tesla's"
    ("q_end", "Where did he die?", "Hotel New Yorker."),  # the last word of the context
    ("q_first", "Who was a Serbian-American inventor?", "Nikola Tesla"),
]

MAX_SEQ, STRIDE, MAX_QUERY = 64, 24, 16


def _file(write, name, qas, version="1.1"):
    data = {"version": version,
            "data": [{"title": "Tesla", "paragraphs": [{"context": LONG_CONTEXT, "qas": qas}]}]}
    return write(name, json.dumps(data))


def _qa(qid, question, text, occurrence_of=None):
    start = LONG_CONTEXT.index(occurrence_of or text)
    if occurrence_of:
        start += occurrence_of.index(text)
    return {"id": qid, "question": question, "answers": [{"text": text, "answer_start": start}]}


@pytest.fixture(scope="module")
def v1(tmp_path_factory):
    path = tmp_path_factory.mktemp("squad") / "long.json"
    qas = [_qa(*q) if q[0] != "q_poss" else _qa(*q, occurrence_of="Tesla's later") for q in QUESTIONS]
    path.write_text(json.dumps({"version": "1.1", "data": [
        {"title": "Tesla", "paragraphs": [{"context": LONG_CONTEXT, "qas": qas}]}]}))
    return read_squad(str(path))


@pytest.fixture(scope="module")
def v1_features(v1, wordpiece):
    return convert_squad_examples(v1, wordpiece, max_seq_length=MAX_SEQ,
                                  doc_stride=STRIDE, max_query_length=MAX_QUERY)


def _tokens(feature, vocab):
    """The window's tokens (no padding)."""
    return [vocab[i] for i, m in zip(feature.token_ids, feature.padding_mask) if m]


def _perfect_logits(features, seq):
    start = np.full((len(features), seq), -10.0)
    end = np.full((len(features), seq), -10.0)
    for i, f in enumerate(features):
        start[i, f.start_position] = 10.0
        end[i, f.end_position] = 10.0
    return start, end


def test_window_helpers():
    assert doc_spans(10, 4, 3) == [(0, 4), (3, 4), (6, 4)]
    assert doc_spans(10, 4, 8) == [(0, 4), (4, 4), (8, 2)]  # stride capped at the window length
    assert doc_spans(3, 4, 2) == [(0, 3)]
    spans = [(0, 6), (3, 6), (6, 6)]
    assert is_max_context(spans, 1, 5) and not is_max_context(spans, 0, 5)
    assert is_max_context(spans, 0, 3)  # tie (1 vs 0 context) -> the better one
    assert improve_answer_span([1, 2, 3, 4, 5], 0, 4, [3, 4]) == (2, 3)
    assert improve_answer_span([1, 2, 3], 0, 2, [9]) == (0, 2)


def test_long_context_windows(v1, v1_features, wordpiece):
    vocab = wordpiece.vocabulary
    pieces = WordPieces(wordpiece)
    n_doc_pieces = sum(len(p) for p in pieces(v1[0].doc_tokens))
    assert n_doc_pieces > 3 * MAX_SEQ
    for example_index, ex in enumerate(v1):
        feats = [f for f in v1_features if f.example_index == example_index]
        assert len(feats) >= 6 and [f.doc_span_index for f in feats] == list(range(len(feats)))
        query = [p for w in pieces(ex.question_text.split()) for p in w][:MAX_QUERY]
        spans = doc_spans(n_doc_pieces, MAX_SEQ - len(query) - 3, STRIDE)
        assert len(feats) == len(spans)
        answer_windows = []
        for f, (start, length) in zip(feats, spans):
            tokens = _tokens(f, vocab)
            n = len(tokens)
            assert tokens[0] == "[CLS]" and tokens[len(query) + 1] == "[SEP]"
            assert tokens[-1] == "[SEP]" and n == len(query) + length + 3
            assert f.token_ids[n:] == [0] * (MAX_SEQ - n) and len(f.token_ids) == MAX_SEQ
            assert f.padding_mask == [1] * n + [0] * (MAX_SEQ - n)
            assert f.segment_ids == [0] * (len(query) + 2) + [1] * (length + 1) + [0] * (MAX_SEQ - n)
            assert sorted(f.token_to_orig_map) == list(range(len(query) + 2, n - 1))
            if f.start_position:
                answer_windows.append(f.doc_span_index)
                text = " ".join(tokens[f.start_position:f.end_position + 1]).replace(" ##", "")
                orig = " ".join(ex.doc_tokens[f.token_to_orig_map[f.start_position]:
                                              f.token_to_orig_map[f.end_position] + 1])
                assert get_final_text(text, orig) == ex.orig_answer_text
            else:
                assert f.end_position == 0
        assert answer_windows, ex.qas_id
        if ex.qas_id in ("q_company", "q_year"):
            assert len(answer_windows) >= 2, "answer should lie in overlapping windows"
        # every context piece is max-context in exactly one window, and that is the
        # window of the brute-force best score
        for piece in range(n_doc_pieces):
            owners = []
            for f, (start, length) in zip(feats, spans):
                if start <= piece < start + length:
                    pos = piece - start + len(query) + 2
                    if f.token_is_max_context[pos]:
                        owners.append(f.doc_span_index)
            scores = [(min(piece - s, s + n - 1 - piece) + 0.01 * n, -i)
                      for i, (s, n) in enumerate(spans) if s <= piece < s + n]
            assert owners == [-max(scores)[1]]


def test_possessive_answer_span_is_tightened(v1, v1_features, wordpiece):
    index = [e.qas_id for e in v1].index("q_poss")
    ex = v1[index]
    assert ex.doc_tokens[ex.start_position] == "Tesla's"
    f = next(f for f in v1_features if f.example_index == index and f.start_position)
    assert f.token_ids[f.start_position:f.end_position + 1] == [
        WordPieces(wordpiece)(["tesla"])[0][0]]


def test_decode_round_trip_is_perfect(v1, v1_features, wordpiece):
    start, end = _perfect_logits(v1_features, MAX_SEQ)
    preds = decode_squad_predictions(v1, v1_features, start, end, wordpiece)
    assert preds.answers == {q[0]: q[2] for q in QUESTIONS}
    assert squad_evaluate(gold_answers(v1), preds.answers) == {
        "exact_match": 100.0, "f1": 100.0, "total": len(QUESTIONS)}
    nbest = preds.nbest["q_company"]
    assert nbest[0]["text"] == "Westinghouse Electric" and len(nbest) <= 20
    assert sum(e["probability"] for e in nbest) == pytest.approx(1.0)
    assert len({e["text"] for e in nbest}) == len(nbest)


def test_decode_respects_max_answer_length_and_max_context(v1, v1_features, wordpiece):
    start, end = _perfect_logits(v1_features, MAX_SEQ)
    preds = decode_squad_predictions(v1, v1_features, start, end, wordpiece,
                                     max_answer_length=1)
    assert preds.answers["q_year"] == "1884"
    assert preds.answers["q_company"] != "Westinghouse Electric"  # 2+ pieces
    # a start only in a window that is NOT the piece's max-context window is ignored
    index = [e.qas_id for e in v1].index("q_year")
    feats = [i for i, f in enumerate(v1_features) if f.example_index == index and f.start_position]
    bad = [i for i in feats if not v1_features[i].token_is_max_context[v1_features[i].start_position]]
    assert bad, "the answer should appear in a window where it is not max-context"
    only_bad = np.full_like(start, -10.0), np.full_like(end, -10.0)
    for i in bad:
        only_bad[0][i, v1_features[i].start_position] = 10.0
        only_bad[1][i, v1_features[i].end_position] = 10.0
    preds = decode_squad_predictions(v1, v1_features, *only_bad, wordpiece)
    assert preds.answers["q_year"] != "1884"


def test_v2_null_answers(write, wordpiece):
    qas = [dict(_qa("has", "In what year did Tesla emigrate?", "1884"), is_impossible=False),
           {"id": "none", "question": "When did Tesla visit Mars?", "answers": [],
            "is_impossible": True}]
    examples = read_squad(_file(write, "v2.json", qas, version="v2.0"))
    feats = convert_squad_examples(examples, wordpiece, max_seq_length=MAX_SEQ,
                                   doc_stride=STRIDE, max_query_length=MAX_QUERY)
    assert all(f.start_position == 0 == f.end_position for f in feats if f.example_index == 1)
    start, end = _perfect_logits(feats, MAX_SEQ)
    preds = decode_squad_predictions(examples, feats, start, end, wordpiece,
                                     version_2_with_negative=True)
    assert preds.answers == {"has": "1884", "none": ""}
    # null 20 in every window of "none"; its best non-null candidate scores far lower
    assert preds.null_score_diff["none"] > 0 > preds.null_score_diff["has"]
    assert preds.null_score_diff["has"] == pytest.approx(-20.0 - 20.0)
    metrics = squad_evaluate(gold_answers(examples), preds.answers, version_2_with_negative=True)
    assert metrics["exact"] == metrics["f1"] == 100.0
    assert metrics["HasAns_total"] == metrics["NoAns_total"] == 1
    # a threshold above every diff answers everything
    preds = decode_squad_predictions(examples, feats, start, end, wordpiece,
                                     version_2_with_negative=True,
                                     null_score_diff_threshold=1e9)
    assert preds.answers["none"] != ""
    # v1 decoding never returns ""
    preds = decode_squad_predictions(examples, feats, start, end, wordpiece)
    assert preds.answers["none"] != ""


def test_get_final_text():
    assert get_final_text("steve smith", "Steve Smith's") == "Steve Smith"
    assert get_final_text("1895", "(1895-1943).") == "1895"
    assert get_final_text("cafe", "Café") == "Café"
    assert get_final_text("zzz", "Steve Smith") == "Steve Smith"  # no alignment
    assert get_final_text("Steve", "Steve Smith", lower_case=False) == "Steve"
    assert best_indexes([0.5, 2.0, 2.0, -1.0], 3) == [1, 2, 0]


def test_errors(v1, v1_features, wordpiece):
    with pytest.raises(TfnlpError, match=r"start_logits has shape \(2, 64\), expected"):
        decode_squad_predictions(v1, v1_features, np.zeros((2, 64)), np.zeros((2, 64)),
                                 wordpiece)
    with pytest.raises(TfnlpError, match="doc_stride must be at least 1"):
        convert_squad_examples(v1, wordpiece, doc_stride=0)
    with pytest.raises(TfnlpError, match=r"question 'q_company': max_seq_length 10 leaves no room"):
        convert_squad_examples(v1, wordpiece, max_seq_length=10)


def test_arrays(v1_features):
    arrays = squad_features_to_arrays(v1_features)
    n = len(v1_features)
    for key in ("token_ids", "segment_ids", "padding_mask"):
        assert arrays[key].shape == (n, MAX_SEQ) and arrays[key].dtype == np.int32
    assert arrays["start_positions"].shape == (n,)
    assert arrays["start_positions"].tolist() == [f.start_position for f in v1_features]


def test_left_padded_layout_windows_and_decoding(v1, v1_features, left_wordpiece, wordpiece):
    """XLNet's layout: `query [SEP] window [SEP] [CLS]`, padded on the left. The
    same windows, answers at the shifted positions, no-answer at `[CLS]`, and
    perfect logits decode to the gold answers."""
    feats = convert_squad_examples(v1, left_wordpiece, max_seq_length=MAX_SEQ,
                                   doc_stride=STRIDE, max_query_length=MAX_QUERY)
    assert len(feats) == len(v1_features)
    vocab = wordpiece.vocabulary
    for left, right in zip(feats, v1_features):
        n = sum(left.padding_mask)
        assert left.padding_mask == [0] * (MAX_SEQ - n) + [1] * n
        assert left.token_ids[-1] == vocab.index("[CLS]") == left.token_ids[left.null_position]
        assert right.null_position == 0
        # the same context pieces, in the same order, in both layouts
        assert ([left.token_ids[p] for p in sorted(left.token_to_orig_map)]
                == [right.token_ids[p] for p in sorted(right.token_to_orig_map)])
        shift = min(left.token_to_orig_map) - min(right.token_to_orig_map)
        if right.start_position:
            assert (left.start_position, left.end_position) == (
                right.start_position + shift, right.end_position + shift)
        else:
            assert left.start_position == left.end_position == left.null_position
    start, end = _perfect_logits(feats, MAX_SEQ)
    preds = decode_squad_predictions(v1, feats, start, end, left_wordpiece)
    assert preds.answers == {q[0]: q[2] for q in QUESTIONS}


def test_decode_span_inside_a_word(v1, v1_features, wordpiece):
    """A span that starts on a word's second piece reads as that word's tail."""
    vocab = wordpiece.vocabulary
    f_index, feature = next((i, f) for i, f in enumerate(v1_features)
                            if any(vocab[f.token_ids[p]].startswith("##")
                                   for p in f.token_to_orig_map))
    pos = next(p for p in sorted(feature.token_to_orig_map)
               if vocab[feature.token_ids[p]].startswith("##"))
    from tfnlp.tasks.squad_decode import SpanTexts

    text = SpanTexts(wordpiece, v1_features).texts([(f_index, pos, pos)])[0]
    assert text == vocab[feature.token_ids[pos]][2:]
