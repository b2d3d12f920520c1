"""Validity questions: a document's status (repealed, or in force since a date, or superseded by a
newer version), as its metadata records it, cited by the sentence that states it."""

from __future__ import annotations

from core.records import Chunk, Evidence
from core.script import normalise, to_traditional
from retrieval.question_patterns import REPEAL_WORDS
from retrieval.query import Query

# A validity question's direct answer: the document's status, as its header or notes record it.
_STATUS_WORDS = {
    "zh-Hans": {"repealed": "答：《{title}》已废止（{date}）。[{n}]\n",
                "effective": "答：《{title}》自{date}起施行，现有文件中未见其废止的记载。[{n}]\n"},
    "en": {"repealed": "Answer: 《{title}》 was repealed ({date}). [{n}]\n",
           "effective": "Answer: 《{title}》 has been in force since {date}; the documents record no repeal. [{n}]\n"},
}
# …and when a later version of the same text is among the documents, "no repeal" would mislead.
_SUPERSEDED_WORDS = {
    "zh-Hans": "答：《{title}》自{date}起施行，已有较新的版本《{newer}》（{newer_date}），应以新版本为准。{cites}\n",
    "en": "Answer: 《{title}》 (in force since {date}) has been superseded by a newer version, 《{newer}》 ({newer_date}). {cites}\n",
}


def document_status(chunk: Chunk) -> tuple[str, str, tuple[str, ...]] | None:
    """(status, date, the words a sentence states it with) from a document's metadata: repealed,
    or else in force since its entry-into-force date; None when neither is recorded."""
    if chunk.meta.get("repealed"):
        return "repealed", chunk.meta["repealed"], REPEAL_WORDS
    if chunk.meta.get("effective"):
        return "effective", chunk.meta["effective"], ("施行", "生效")
    return None


def status_evidence(doc: str, sentences: list[Evidence]) -> Evidence | None:
    """The first sentence of document `doc` among `sentences` that states the status its
    metadata records (「法规类别：废止法规」, 「本办法自发布之日起施行」), to cite the status by."""
    own = sorted((e for e in sentences if e.chunk.doc == doc), key=lambda e: e.chunk.start + e.a)
    status = document_status(own[0].chunk) if own else None
    if status is None:
        return None
    return next((e for e in own if any(w in normalise(e.text) for w in status[2])), None)


def status_line(query: Query, status: Evidence, evidence: list[Evidence], newer: Chunk | None = None) -> str:
    """The direct answer to a validity question: repealed on a date, or in force since one,
    citing the sentence that states it — or, when a `newer` version of the text is among the
    documents, superseded by it (cited too when a sentence of it is quoted)."""
    found = document_status(status.chunk)
    n = next((i for i, e in enumerate(evidence, 1) if e.chunk.doc == status.chunk.doc
              and e.source_span() == status.source_span()), None)
    if found is None or n is None:
        return ""
    lang = "en" if query.lang == "en" else "zh-Hans"
    if found[0] == "effective" and newer is not None:
        m = next((i for i, e in enumerate(evidence, 1) if e.chunk.doc == newer.doc), None)
        line = _SUPERSEDED_WORDS[lang].format(title=status.chunk.title, date=found[1], newer=newer.title,
                                             newer_date=newer.meta.get("date", ""),
                                             cites=f"[{n}]" + (f"[{m}]" if m else ""))
    else:
        line = _STATUS_WORDS[lang][found[0]].format(title=status.chunk.title, date=found[1], n=n)
    return to_traditional(line) if query.lang == "zh-Hant" else line
