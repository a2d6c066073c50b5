import json

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.tasks import gold_answers, read_squad
from tfnlp.tasks.squad import split_context

CONTEXT = ("Super Bowl 50 was an American football game to determine the champion of the "
           "National Football League (NFL) for the 2015 season. The American Football "
           "Conference (AFC) champion Denver Broncos defeated the National Football "
           "Conference (NFC) champion Carolina Panthers 24\u201310 to earn their third "
           "Super Bowl title.")


def squad_file(write, qas, context=CONTEXT, version="1.1", name="squad.json"):
    data = {"version": version,
            "data": [{"title": "Super_Bowl_50", "paragraphs": [{"context": context, "qas": qas}]}]}
    return write(name, json.dumps(data))


def answer(text, context=CONTEXT, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = context.index(text, start + 1)
    return {"text": text, "answer_start": start}


def test_split_context_maps_chars_to_words():
    tokens, offsets = split_context("  a bc\u202fd\te ")
    assert tokens == ["a", "bc", "d", "e"]
    assert offsets == [-1, -1, 0, 0, 1, 1, 1, 2, 2, 3, 3]


def test_reads_v1(write):
    path = squad_file(write, [
        {"id": "q1", "question": "Which NFL team won Super Bowl 50?",
         "answers": [answer("Denver Broncos")]},
        {"id": "q2", "question": "What was the score?", "answers": [answer("24\u201310")]},
    ])
    examples = read_squad(path)
    ex = examples[0]
    assert ex.qas_id == "q1" and not ex.is_impossible
    assert ex.doc_tokens[ex.start_position:ex.end_position + 1] == ["Denver", "Broncos"]
    assert ex.orig_answer_text == "Denver Broncos"
    assert examples[1].doc_tokens[examples[1].start_position] == "24\u201310"
    assert gold_answers(examples) == {"q1": ["Denver Broncos"], "q2": ["24\u201310"]}


def test_eval_keeps_every_answer(write):
    path = squad_file(write, [{"id": "q1", "question": "Who won?", "answers": [
        answer("Denver Broncos"), answer("Broncos"), answer("Denver Broncos")]}])
    with pytest.raises(TfnlpError, match="question 'q1': 3 answers; training data needs exactly one"):
        read_squad(path)
    examples = read_squad(path, is_training=False)
    assert examples[0].answers == ["Denver Broncos", "Broncos", "Denver Broncos"]


def test_reads_v2_impossible(write):
    path = squad_file(write, [
        {"id": "q1", "question": "Who won?", "answers": [answer("Denver Broncos")],
         "is_impossible": False},
        {"id": "q2", "question": "Who lost Super Bowl 60?", "answers": [], "is_impossible": True,
         "plausible_answers": [answer("Carolina Panthers")]},
    ], version="v2.0")
    examples = read_squad(path)
    assert [e.is_impossible for e in examples] == [False, True]
    assert (examples[1].start_position, examples[1].end_position) == (-1, -1)
    assert examples[1].answers == [] and examples[1].orig_answer_text == ""
    # detection also works without the version field
    path = squad_file(write, [{"id": "q", "question": "?", "answers": [], "is_impossible": True}],
                      version="", name="v2b.json")
    assert read_squad(path)[0].is_impossible


def test_whitespace_only_differences_are_tolerated(write):
    context = "The winners were the Denver\nBroncos of Colorado."
    # same length, a space where the context has a newline
    path = squad_file(write, [{"id": "ws", "question": "Who won?", "answers": [
        {"text": "Denver Broncos", "answer_start": context.index("Denver")}]}], context=context)
    ex = read_squad(path)[0]
    assert ex.doc_tokens[ex.start_position:ex.end_position + 1] == ["Denver", "Broncos"]


@pytest.mark.parametrize("qa, message", [
    ({"id": "bad1", "question": "Who won?", "answers": [
        {"text": "Carolina", "answer_start": CONTEXT.index("Denver")}]},
     r"question 'bad1', answer 0: answer text 'Carolina' does not match the context at "
     r"answer_start \d+ \(context there: 'Denver B'\)"),
    ({"id": "bad2", "question": "Who won?", "answers": [{"text": "x", "answer_start": 10_000}]},
     r"question 'bad2', answer 0: answer_start 10000 .* outside the context"),
    ({"id": "bad3", "question": "Who won?", "answers": [{"text": "Denver"}]},
     r"question 'bad3', answer 0: missing key 'answer_start'"),
    ({"id": "bad4", "question": "Who won?", "answers": [{"text": "Denver", "answer_start": "5"}]},
     r"question 'bad4', answer 0: 'answer_start' must be an integer"),
    ({"id": "bad5", "answers": []}, r"question 'bad5': 'question' must be a str, got NoneType"),
    ({"id": "bad6", "question": "Who?"}, r"question 'bad6': missing key 'answers'"),
    ({"id": "bad7", "question": "Who?", "answers": []}, r"question 'bad7': no answers"),
    ({"question": "Who?", "answers": []}, r"\['qas'\]\[0\]: missing key 'id'"),
    ({"id": "bad8", "question": "Who?", "answers": [{"text": " ", "answer_start": 0}]},
     r"question 'bad8', answer 0: the answer text is empty"),
])
def test_malformed_records_name_the_id(write, qa, message):
    with pytest.raises(TfnlpError, match=message):
        read_squad(squad_file(write, [qa]))


def test_skip_bad_answers(write):
    path = squad_file(write, [
        {"id": "bad", "question": "Who won?", "answers": [{"text": "Carolina", "answer_start": 0}]},
        {"id": "good", "question": "Who won?", "answers": [answer("Denver Broncos")]}])
    assert [e.qas_id for e in read_squad(path, skip_bad_answers=True)] == ["good"]


def test_malformed_files(write):
    with pytest.raises(TfnlpError, match=r"bad\.json: bad JSON at line 1"):
        read_squad(write("bad.json", '{"data": ['))
    with pytest.raises(TfnlpError, match=r"list\.json: expected a JSON object with a 'data' list"):
        read_squad(write("list.json", "[]"))
    with pytest.raises(TfnlpError, match=r"latin\.json: not valid UTF-8"):
        read_squad(write("latin.json", b'{"data": "caf\xe9"}'))
    with pytest.raises(TfnlpError, match=r"empty\.json: no questions found"):
        read_squad(write("empty.json", '{"data": []}'))
    with pytest.raises(TfnlpError, match=r"\['paragraphs'\]\[0\]\['context'\] must be a str"):
        read_squad(write("noctx.json", '{"data": [{"paragraphs": [{"qas": []}]}]}'))
    dup = [{"id": "q", "question": "?", "answers": [answer("Denver")]}] * 2
    with pytest.raises(TfnlpError, match="question 'q': the id appears twice"):
        read_squad(squad_file(write, dup))
