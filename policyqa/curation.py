"""Curated answers as the Library serves and manages them: written or approved by an
administrator (audited), checked against the documents they cite, and found for a question that
means the same. Storage, the bound and the validity rule are `curated.py`'s; this module joins
them to a base's Assistant (its store, its embedder) — the one place an answer route looks a
curated answer up (`Library.stream`, which the API, SSE, widget, UI chat and OpenAI routes share).
"""

from __future__ import annotations

from policyqa.curated import Curated, CuratedAnswers, CuratedCitation, problems
from policyqa.errors import UserError
from core.records import Answer, Citation, Reviewed

MAX_CITATIONS = 20


class Curation:
    def __init__(self, library) -> None:
        self.library = library
        self.store = CuratedAnswers(library.db)

    # ------------------------------------------------------------------ reading
    def _checker(self, kb):
        store = self.library.assistant(kb).store
        documents = {d["doc"]: d["content_hash"] for d in store.documents()}
        texts: dict[str, str] = {}

        def text_of(doc: str) -> str:
            if doc not in texts:
                texts[doc] = store.document_text(doc)
            return texts[doc]

        return lambda item: problems(item, documents, text_of)

    def entries(self, kb) -> list[dict]:
        """The base's curated answers, each with `problems` (why it is flagged) and `served`."""
        check = self._checker(kb)
        out = []
        for item in self.store.list(kb.collection):
            found = check(item)
            out.append({**item.to_json(), "kb": kb.name, "problems": found, "served": not found})
        return out

    def lookup(self, kb, question: str, history: list[dict] | None = None,
               filters: dict | None = None) -> Answer | None:
        """The curated answer for a question that means the same as an approved one in this
        base, still valid, as an Answer marked reviewed; None otherwise. A question with
        filters (document, region, dates) is left to the system; a follow-up is compared in
        its standalone form."""
        if filters or not self.store.count(kb.collection):
            return None  # nothing curated here: no extra embedding
        assistant = self.library.assistant(kb)
        text = (question or "").strip()
        if not text or len(text) > 2000:
            return None
        if history:
            text = assistant.understand_text(text, history).standalone
        vector = assistant.store.embeddings.embed_query(text)
        candidates = self.store.matches(kb.collection, vector, assistant.store.embedder_name)
        if not candidates:
            return None
        check = self._checker(kb)
        for similarity, item in candidates:
            if not check(item):
                return as_answer(item, similarity, text)
        return None

    # ------------------------------------------------------------------ writing (audited)
    def write(self, kb, question: str, answer: str, cites: list[dict], who: str) -> Curated:
        """An answer the administrator wrote, citing chunks: each {chunk_id, start?, end?}
        (offsets into the original, inside the chunk; the whole chunk without them)."""
        question, answer = _clean(question, answer)
        with self.library.audit.action(who, "curated.add", kb.name, target=question[:200]) as entry:
            assistant = self.library.assistant(kb)
            citations = self._citations_of(assistant.store, cites)
            item = self.store.add(kb.collection, question, answer, citations,
                                  assistant.store.embeddings.embed_query(question),
                                  assistant.store.embedder_name, who, "written")
            entry.detail = f"#{item.id}, written, {len(citations)} citations"
            return item

    def approve(self, kb, question: str, who: str, answer: str | None = None) -> Curated:
        """The system's answer to `question` approved (its text replaced by `answer` when the
        administrator edited it), with the system's citations as they are now."""
        question = (question or "").strip()
        with self.library.audit.action(who, "curated.approve", kb.name, target=question[:200]) as entry:
            assistant = self.library.assistant(kb)
            system = assistant.ask(question)
            if system.declined or not system.citations:
                raise UserError("系统对这个问题拒答，没有可批准的答案：请自己撰写答案并注明引用的段落。",
                                "the system declines this question: write the answer and name its citations", 422)
            question, text = _clean(question, answer if answer and answer.strip() else system.text)
            hashes = {d["doc"]: d["content_hash"] for d in assistant.store.documents()}
            citations = [CuratedCitation(c.n, c.doc, c.title, c.quote, c.chunk_id, c.start, c.end,
                                         hashes.get(c.doc, ""), c.date, c.heading, c.page, c.display)
                         for c in system.citations]
            item = self.store.add(kb.collection, question, text, citations,
                                  assistant.store.embeddings.embed_query(question),
                                  assistant.store.embedder_name, who, "system")
            entry.detail = f"#{item.id}, from the system's answer" + (", edited" if answer else "") \
                + f", {len(citations)} citations"
            return item

    def remove(self, kb, item_id: int, who: str) -> None:
        with self.library.audit.action(who, "curated.remove", kb.name, target=f"#{item_id}") as entry:
            item = self.store.get(kb.collection, item_id)
            if item is None or not self.store.remove(kb.collection, item_id):
                entry.result, entry.detail = "failed", "no such curated answer"
                raise UserError(f"没有编号为 {item_id} 的审核答案。", f"no curated answer #{item_id}", 404)
            entry.detail = item.question[:200]

    def _citations_of(self, store, cites: list[dict]) -> list[CuratedCitation]:
        if not cites:
            raise UserError("请至少注明一处引用（段落编号 chunk_id）：审核答案也要引用文件。",
                            "name at least one citation (chunk_id): a curated answer cites the documents", 422)
        if len(cites) > MAX_CITATIONS:
            raise UserError(f"引用最多 {MAX_CITATIONS} 处。", f"at most {MAX_CITATIONS} citations", 422)
        chunks = store.chunks_by_id([str(c.get("chunk_id") or "") for c in cites])
        hashes = {d["doc"]: d["content_hash"] for d in store.documents()}
        out = []
        for n, cite in enumerate(cites, 1):
            chunk = chunks.get(str(cite.get("chunk_id") or ""))
            if chunk is None:
                raise UserError(f"第 {n} 处引用的段落（{cite.get('chunk_id')}）不在这个知识库中。",
                                f"citation {n}: no passage {cite.get('chunk_id')!r} in this knowledge base", 422)
            start = int(cite["start"]) if cite.get("start") is not None else chunk.start
            end = int(cite["end"]) if cite.get("end") is not None else chunk.end
            if not chunk.start <= start < end <= chunk.end:
                raise UserError(f"第 {n} 处引用的位置 {start}-{end} 不在该段落（{chunk.start}-{chunk.end}）之内。",
                                f"citation {n}: {start}-{end} is outside its passage ({chunk.start}-{chunk.end})", 422)
            quote = store.document_text(chunk.doc)[start:end]
            whole = (start, end) == (chunk.start, chunk.end)
            out.append(CuratedCitation(n, chunk.doc, chunk.title, quote, chunk.id, start, end,
                                       hashes.get(chunk.doc, ""), str(chunk.meta.get("date") or ""),
                                       chunk.heading, chunk.page, chunk.text if whole else quote))
        return out


def _clean(question: str, answer: str | None) -> tuple[str, str]:
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question or len(question) > 2000:
        raise UserError("问题不能为空，最多 2000 字。", "the question must be 1 to 2000 characters", 422)
    if not answer:
        raise UserError("答案不能为空。", "the answer is empty", 422)
    return question, answer


def as_answer(item: Curated, similarity: float, asked: str) -> Answer:
    """A curated answer as the Answer every route renders: its stored citations, marked
    reviewed with who approved it and when; support 1.0 (a person checked it)."""
    citations = tuple(Citation(c.n, c.doc, c.title, c.quote, c.chunk_id, c.start, c.end, c.date, c.heading,
                               c.page, c.display) for c in item.citations)
    return Answer(text=item.answer, citations=citations, hits=(), declined=False, query=asked, support=1.0,
                  reviewed=Reviewed(item.id, item.question, item.approved_by, item.approved_time,
                                    round(similarity, 4)))


__all__ = ["Curation", "as_answer"]
