"""The Assistant service, above ingest and retrieval. The question-answering chain: condense → search → grounded answer (→ LLM wording).

`Assistant` is the one object a process needs (one Chroma client per process); `chain` exposes
the same steps as a LangChain runnable.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from dataclasses import dataclass, replace
from typing import Iterator

from langchain_core.runnables import Runnable, RunnableLambda

from core.settings import Settings
from core.records import Answer, Hit
from retrieval.answer import AnswerOptions, Candidates, extractive_answer, gather
from retrieval.dictionary import first_senses
from core.embeddings import get_embeddings
from retrieval.followup import is_follow_up
from retrieval.query import Query
from retrieval.ranker import check_embedder
from retrieval.search import Searcher, SearchOptions
from core.store import Store
from core.sentences import sentence_spans

log = logging.getLogger("policyqa")


@dataclass(frozen=True)
class Stage:
    """A progress event of `Assistant.stream`: the named step has started ("search", "answer"),
    so a UI can show what is happening while it happens."""

    name: str


@dataclass(frozen=True)
class Inspection:
    """What `Assistant.inspect` saw: the query, the passages, each retriever's own ranking
    ({"dense"|"bm25": [(chunk id, score)…]}) and the grounded answer with its decision."""

    query: Query
    hits: tuple[Hit, ...]
    rankings: dict
    answer: Answer


@dataclass(frozen=True)
class Request:
    question: str
    history: tuple[dict, ...] = ()
    filters: dict | None = None


class Assistant:
    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings, get_embeddings(settings.embed_model))
        self.searcher = Searcher(self.store)
        self.search_options = SearchOptions()
        self.answer_options = AnswerOptions(threshold=settings.min_support)
        # The answer model's similarity signals belong to the embedder it was fitted with.
        self.model_warning = check_embedder(getattr(self.store.embeddings, "name", ""))
        if self.model_warning:
            log.warning(self.model_warning)
        self.llm = None
        if settings.llm_base_url:
            from retrieval.llm import chat_model

            self.llm = chat_model(settings)
        self._write_lock = threading.Lock()
        # Opt-in (POLICYQA_QUESTION_LOG): set by the server to a QuestionLog, which keeps each
        # asked question with its decision for the console's 未解决的问题.
        self.question_log = None

    # ------------------------------------------------------------------ steps
    def understand(self, request: Request) -> Query:
        history = list(request.history)
        standalone = None
        if self.llm is not None and is_follow_up(request.question, history):
            standalone = self._llm_rewrite("condense", question=request.question,
                                           history="\n".join(f"{t['role']}: {t['content']}" for t in history))
        query = self.searcher.analyse(request.question, history, standalone=standalone,
                                      expand=self.search_options.expand_english)
        if self.llm is not None and query.lang == "en":
            translated = self._llm_rewrite("translate", question=query.standalone)
            if translated:
                extra = self.searcher.analyse(translated).tokens
                query = replace(query, tokens=query.tokens + extra)
        return query

    def warm_up(self) -> None:
        """Load what the first questions would otherwise wait for — the dictionary an English
        question is read with (and the senses a Chinese word the corpus lacks is read by), the name
        transliterator, the keyword index, the tagger (seconds,
        once per process) — by grounding one English and one Chinese question nobody sees (not
        logged, not answered), and the corpus words' vectors English words are matched to (once
        per index generation, then loaded from the store)."""
        try:
            for question in ("How does Beijing fund community services?", "社区服务经费由谁保障？"):
                query = self.understand_text(question)
                self.ground(query, self.retrieve(query))
            first_senses()  # the senses a Chinese word the corpus lacks is read by
            self.searcher.word_neighbours()  # the longest part (seconds per thousand words): last
        except Exception:  # noqa: BLE001 - a warm-up must never take the server down
            log.exception("warm-up failed; the first questions load what they need themselves")

    def understand_text(self, question: str, history: list[dict] | None = None) -> Query:
        return self.understand(Request(question, tuple(_clean_history(history))))

    def _llm_rewrite(self, prompt: str, **fields) -> str | None:
        from retrieval.llm import rewrite

        try:
            return rewrite(self.llm, prompt, **fields) or None
        except Exception as e:  # the endpoint is optional: rules keep working without it
            log.warning("LLM %s failed, using rules: %s", prompt, type(e).__name__)
            return None

    def retrieve(self, query: Query, filters: dict | None = None, trace: dict | None = None) -> list[Hit]:
        return self.searcher.search(query, k=self.settings.top_k, where=filters,
                                    options=self.search_options, trace=trace)

    def candidates(self, query: Query, hits: list[Hit]) -> Candidates:
        """The answer stage's candidate sentences with their signals (what `eval.train` fits on)."""
        return gather(query, hits, self.searcher.keyword(), self.store.embeddings, self.answer_options,
                      self.searcher.mentions, lambda c: self.store.chunk_at(c.doc, c.position + 1),
                      self.searcher.in_corpus)

    def ground(self, query: Query, hits: list[Hit]) -> Answer:
        return extractive_answer(query, hits, self.searcher.keyword(), self.store.embeddings,
                                 self.store.document_text, self.answer_options, self.searcher.mentions,
                                 lambda c: self.store.chunk_at(c.doc, c.position + 1), self.searcher.in_corpus)

    # ------------------------------------------------------------------ entry points
    def inspect(self, question: str, filters: dict | None = None) -> Inspection:
        """The same steps as `ask` (question understood, searched, grounded, decided), keeping
        what each retriever found: the admin console's 命中测试. Nothing is logged."""
        question = (question or "").strip()
        if not question:
            raise ValueError("the question is empty")
        if len(question) > 2000:
            raise ValueError("the question is too long (over 2000 characters)")
        query = self.understand(Request(question, (), filters or None))
        rankings: dict = {}
        hits = self.retrieve(query, filters or None, trace=rankings)
        return Inspection(query, tuple(hits), rankings, self.ground(query, hits))

    def ask(self, question: str, history: list[dict] | None = None,
            filters: dict | None = None) -> Answer:
        final = None
        for part in self.stream(question, history, filters):
            if isinstance(part, Answer):
                final = part
        assert final is not None
        return final

    def stream(self, question: str, history: list[dict] | None = None,
               filters: dict | None = None) -> Iterator[Stage | str | Answer]:
        """Stage events as each step starts, text pieces as they are produced (an extractive
        answer sentence by sentence, an LLM's tokens as they arrive), then the final Answer."""
        question = (question or "").strip()
        if not question:
            raise ValueError("the question is empty")
        if len(question) > 2000:
            raise ValueError("the question is too long (over 2000 characters)")
        request = Request(question, tuple(_clean_history(history)), filters or None)
        for part in self._steps(request):
            if isinstance(part, Answer) and self.question_log is not None:
                self._log_question(question, part)
            yield part

    def _log_question(self, question: str, answer: Answer) -> None:
        try:
            self.question_log.record(question, answer, self.settings.collection)
        except Exception as e:  # noqa: BLE001 — logging a question never fails an answer
            log.warning("question log: not recorded (%s)", type(e).__name__)

    def _steps(self, request: Request) -> Iterator[Stage | str | Answer]:
        question = request.question
        yield Stage("search")
        query = self.understand(request)
        hits = self.retrieve(query, request.filters)
        yield Stage("answer")
        grounded = self.ground(query, hits)
        if grounded.declined or self.llm is None:
            yield from _sentences(grounded.text)
            yield grounded
            return
        from retrieval.llm import llm_answer

        try:
            yield from llm_answer(self.llm, question, query.lang, grounded, 6, self.store.document_text)
        except Exception as e:
            log.warning("LLM answer failed, using the extractive answer: %s", type(e).__name__)
            yield "\n"
            yield grounded

    @property
    def chain(self) -> Runnable:
        """request dict {question, history, filters} → Answer, as a LangChain runnable."""
        def to_request(x: dict) -> Request:
            return Request(x["question"], tuple(x.get("history") or ()), x.get("filters"))

        def search_step(r: Request) -> tuple[Query, list[Hit]]:
            q = self.understand(r)
            return q, self.retrieve(q, r.filters)

        return (RunnableLambda(to_request) | RunnableLambda(search_step)
                | RunnableLambda(lambda qh: self.ground(*qh)))

    # ------------------------------------------------------------------ writes
    def ingest(self, paths, progress: bool = False):
        from ingest.pipeline import ingest_paths

        with self._write_lock:
            return ingest_paths(self.store, paths, max_tokens=self.settings.chunk_tokens,
                                progress=progress)


    def delete(self, doc: str) -> int:
        with self._write_lock:
            return self.store.delete_document(doc)

    def reindex(self, docs: list[str] | None = None, progress: bool = False):
        """Rebuild the named documents (all when None) from their kept originals, under the
        write lock, so that readers keep a live store meanwhile."""
        from ingest.pipeline import reindex

        with self._write_lock:
            return reindex(self.store, self.settings.chunk_tokens, progress=progress, only=docs)

    def ingest_upload(self, data: bytes, name: str):
        """Index uploaded bytes. The client's file name is an identifier only: the bytes go to
        a temporary file of our own naming."""
        import tempfile

        from ingest.pipeline import ingest_file

        from ingest.pipeline import printable

        # The base name only, with control and bidi characters (terminal escapes, RTL overrides)
        # kept visible as escapes: a document id never carries them raw.
        safe_name = printable(Path(name.replace("\\", "/")).name.strip()) or "upload.txt"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ("upload" + Path(safe_name).suffix.lower()[:10])
            path.write_bytes(data)
            # Only the write itself holds the write lock (loading and embedding run before it).
            return ingest_file(self.store, path, name=safe_name, max_tokens=self.settings.chunk_tokens,
                               write_lock=self._write_lock)


def _sentences(text: str) -> Iterator[str]:
    """`text` in sentence pieces that join back to exactly `text`."""
    cut = 0
    for _start, end in sentence_spans(text):
        yield text[cut:end]
        cut = end
    if cut < len(text):
        yield text[cut:]


def _clean_history(history: list[dict] | None) -> list[dict]:
    """Accept [{role, content}] or Gradio-style message dicts; ignore anything else."""
    out = []
    for turn in history or []:
        if isinstance(turn, dict) and turn.get("role") in ("user", "assistant"):
            content = turn.get("content")
            if isinstance(content, list):  # gradio 6 content parts
                content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            if isinstance(content, str) and content.strip():
                out.append({"role": turn["role"], "content": content.strip()})
    return out[-8:]


__all__ = ["Assistant", "Request", "Stage"]
