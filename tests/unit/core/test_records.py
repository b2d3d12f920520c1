"""Records write their own JSON: to_dict is the schema the API, `ask --json`, eval and the
widget share, and from_dict reads it back."""

from __future__ import annotations

import json

from core.records import Answer, Chunk, Citation, Decision, Document, Hit, Reviewed


def chunk(**kw) -> Chunk:
    base = dict(id="a.txt#0", doc="a.txt", title="甲", text="第一条 经费。", index_text="第一条 经费。",
                start=3, end=10, position=0, heading="第一章", page=2, meta={"date": "2020-01-01"},
                runs=((2, 6),))
    return Chunk(**{**base, **kw})


def citation() -> Citation:
    return Citation(n=1, doc="a.txt", title="甲", quote="经费。", chunk_id="a.txt#0", start=7, end=10,
                    date="2020-01-01", heading="第一章", page=2, display="经费。")


def answer(**kw) -> Answer:
    base = dict(text="经费 [1]", citations=(citation(),), hits=(Hit(chunk(), 0.12345678), Hit(chunk(id="b"), 0.1)),
                declined=False, query="经费", suggestions=("还有呢？",), support=0.876543, declined_because="",
                decision=Decision(True, 0.87, 0.5, "", (("f", 1.0),)))
    return Answer(**{**base, **kw})


def test_answer_to_dict_is_the_outputs_schema_in_its_order():
    body = answer().to_dict()
    assert list(body) == ["answer", "citations", "retrieved", "declined", "query", "suggestions", "support",
                          "declined_because"]
    assert list(body["citations"][0]) == ["n", "doc", "title", "quote", "chunk_id", "start", "end", "date",
                                          "heading", "page", "display"]
    assert body["retrieved"][0] == {"doc": "a.txt", "text": "第一条 经费。", "score": 0.123457,
                                    "chunk_id": "a.txt#0", "title": "甲"}
    assert body["support"] == 0.8765 and body["suggestions"] == ["还有呢？"]
    assert len(answer().to_dict(retrieved_k=1)["retrieved"]) == 1
    json.dumps(body, ensure_ascii=False)  # plain JSON


def test_a_reviewed_answer_says_so_last():
    body = answer(reviewed=Reviewed(3, "经费？", "admin", "2026-01-01T00:00:00", 0.99)).to_dict()
    assert list(body)[-1] == "reviewed"
    assert body["reviewed"] == {"id": 3, "question": "经费？", "by": "admin", "at": "2026-01-01T00:00:00",
                                "similarity": 0.99}


def test_answer_reads_back_what_it_wrote():
    for a in (answer(), answer(reviewed=Reviewed(3, "经费？", "admin", "2026-01-01T00:00:00", 0.99))):
        body = json.loads(json.dumps(a.to_dict(), ensure_ascii=False))
        again = Answer.from_dict(body)
        assert again.to_dict() == a.to_dict()
        assert again.citations == a.citations and again.decision is None


def test_chunk_document_and_citation_round_trip_through_json():
    c = chunk()
    assert Chunk.from_dict(json.loads(json.dumps(c.to_dict()))) == c  # runs come back as pairs
    assert c.to_dict()["runs"] == ((2, 6),)
    d = Document(doc="a.txt", title="甲", text="……第一条 经费。", meta={"date": "2020-01-01"}, content_hash="h",
                 ocr={"sizes": {"1": [10, 20]}})
    assert Document.from_dict(json.loads(json.dumps(d.to_dict()))) == d
    assert Citation.from_dict(citation().to_dict()) == citation()


def test_from_dict_ignores_what_the_api_adds():
    body = {**citation().to_dict(), "url": "/doc/a.txt?sig=x", "kb": "默认"}
    assert Citation.from_dict(body) == citation()
