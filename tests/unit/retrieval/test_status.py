"""Validity questions: the document's status, cited by the sentence stating it (retrieval/status.py)."""

from __future__ import annotations

from answer_inputs import embedder, index_of, one_passage

from core.records import Hit
from core.script import normalise
from retrieval.answer import AnswerOptions, extractive_answer
from retrieval.query import analyse

PARKING = "某县停车收费管理办法\n法规类别：废止法规\n第一条 为规范停车收费，制定本办法。\n第二条 本办法自发布日施行。"


def _status_answer(question: str, meta: dict):
    chunk = one_passage(PARKING, "parking.txt", "某县停车收费管理办法", meta)
    keyword = index_of([chunk])
    query = analyse(question, [], lambda w: keyword.has(w) or w in normalise(PARKING))
    return extractive_answer(query, [Hit(chunk, 1.0)], keyword, embedder(), lambda d: PARKING,
                             AnswerOptions(threshold=0.0), in_corpus=lambda t: t in normalise(PARKING))


def test_a_validity_question_leads_with_the_documents_status_cited_by_the_sentence_stating_it():
    repealed = _status_answer("某县停车收费管理办法如今是否有效？", {"date": "2024-03-08", "repealed": "2024-03-08"})
    assert repealed.text.startswith("答：《某县停车收费管理办法》已废止（2024-03-08）。[1]")
    assert repealed.citations[0].quote == "法规类别：废止法规"
    in_force = _status_answer("某县停车收费管理办法如今是否有效？", {"date": "2020-01-01", "effective": "2020-01-01"})
    assert in_force.text.startswith("答：《某县停车收费管理办法》自2020-01-01起施行")
    cited = in_force.citations[int(in_force.text.split("[", 1)[1][0]) - 1]
    assert "施行" in cited.quote
    # Neither recorded: no status is claimed.
    assert not _status_answer("某县停车收费管理办法如今是否有效？", {"date": "2020-01-01"}).text.startswith("答：《")


def test_a_validity_question_about_a_text_with_a_newer_version_says_it_was_superseded():
    old_text = "某县停车收费管理办法\n第一条 为规范停车收费，制定本办法。\n第二条 本办法自发布日施行。"
    new_text = "某县停车收费管理办法（2023年修订）\n第一条 停车收费标准每两年评估一次。\n第二条 本办法自发布日施行。"
    old = one_passage(old_text, "parking2018.txt", "某县停车收费管理办法", {"date": "2018-05-01", "effective": "2018-05-01"})
    new = one_passage(new_text, "parking2023.txt", "某县停车收费管理办法（2023年修订）", {"date": "2023-07-01", "effective": "2023-07-01"})
    keyword = index_of([old, new])
    both = old_text + new_text
    query = analyse("某县停车收费管理办法如今是否有效？", [], lambda w: keyword.has(w) or w in normalise(both))
    answer = extractive_answer(query, [Hit(old, 1.0), Hit(new, 0.9)], keyword, embedder(),
                               lambda d: old_text if d == "parking2018.txt" else new_text,
                               AnswerOptions(threshold=0.0), in_corpus=lambda t: t in normalise(both))
    first = answer.text.splitlines()[0]
    assert "未见其废止" not in first and "较新的版本《某县停车收费管理办法（2023年修订）》（2023-07-01）" in first
    # The newer version alone: in force, no repeal recorded.
    alone = extractive_answer(query, [Hit(new, 1.0)], keyword, embedder(), lambda d: new_text,
                              AnswerOptions(threshold=0.0), in_corpus=lambda t: t in normalise(both))
    assert "未见其废止" in alone.text.splitlines()[0]
