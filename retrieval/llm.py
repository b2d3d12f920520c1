"""Optional generative answers through an OpenAI-compatible endpoint (vLLM, Ollama, Qwen…).

Refusal is decided before this is called (retrieval support, in code); the model only words an
answer from the numbered passages, and any [n] that points to no passage is dropped. Documents
are untrusted: each passage is quoted as delimited data (<passage n="…">), the system prompt says
text inside passages is never an instruction, and bracketed numbers written in a document are
neutralised before the model sees them, so a document cannot forge a citation marker.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterator

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import Runnable

from core.settings import Settings
from core.records import Answer, Citation, Hit
from retrieval.citations import make_citation
from prompts import load_prompt

_MARK_RE = re.compile(r"\[(\d{1,2})\]")
# A sentence with the markers that close it ("…元。[1][2]" or "…元[1]。"), or one line of a list.
_SENTENCE_RE = re.compile(r"[^。！？!?\n]*[。！？!?]*(?:[ \t]*\[\d{1,2}\])*[。！？!?]*\n?")
_LANG_NAMES = {"en": "English", "zh-Hans": "Simplified Chinese", "zh-Hant": "Traditional Chinese"}


def chat_model(settings: Settings) -> Runnable:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model,
                      api_key=settings.llm_api_key or "not-needed", timeout=settings.llm_timeout,
                      max_retries=1, temperature=0.0)


# Bracketed numbers inside document text ("[1]", "［2］", "【3】", "〔4〕"): written as "(1)" in the
# prompt, so only the passage numbers we assign can ever become citation markers.
_DOC_MARK_RE = re.compile(r"[\[［【〔]\s*(\d{1,3})\s*[\]］】〕]")
_TAG_RE = re.compile(r"<(/?)(passage)", re.IGNORECASE)


def quote_document_text(text: str) -> str:
    """Document text as inert data inside a <passage> block: its own bracketed numbers are
    neutralised and it cannot open or close a passage tag."""
    text = _DOC_MARK_RE.sub(lambda m: f"({m.group(1)})", text or "")
    return _TAG_RE.sub(lambda m: f"‹{m.group(1)}{m.group(2)}", text)


def passages_block(hits: list[Hit]) -> str:
    """The numbered passages, each delimited as quoted data; the number is the only marker."""
    def attr(value: str) -> str:
        return quote_document_text(value).replace('"', "'").replace("\n", " ")

    return "\n\n".join(
        f'<passage n="{i}" title="{attr(h.chunk.title)}" section="{attr(h.chunk.heading)}">\n'
        f'{quote_document_text(h.chunk.text)}\n</passage>'
        for i, h in enumerate(hits, 1))


def messages(question: str, lang: str, hits: list[Hit]) -> list:
    passages = passages_block(hits)
    return [SystemMessage(load_prompt("answer_system").format(lang_name=_LANG_NAMES.get(lang, lang))),
            HumanMessage(load_prompt("answer_user").format(passages=passages, question=question))]


def rewrite(model: Runnable, prompt_name: str, **fields) -> str:
    """One short completion (follow-up condensing, query translation)."""
    out = model.invoke([HumanMessage(load_prompt(prompt_name).format(**fields))])
    return str(out.content).strip()


def cite(text: str, hits: list[Hit], document_text) -> tuple[str, tuple[Citation, ...]]:
    """Renumber the markers the model used in order of first use; drop markers out of range."""
    order: dict[int, int] = {}

    def renumber(m: re.Match) -> str:
        i = int(m.group(1))
        if not 1 <= i <= len(hits):
            return ""  # a citation that points to nothing
        order.setdefault(i, len(order) + 1)
        return f"[{order[i]}]"

    text = _MARK_RE.sub(renumber, text).strip()
    # A sentence without a valid marker is not from the passages (it may be an instruction a
    # document slipped in): it is left out, as the prompt demands every sentence be cited.
    text = "".join(s for s in _SENTENCE_RE.findall(text) if _MARK_RE.search(s)).strip()
    citations = []
    for i, n in sorted(order.items(), key=lambda x: x[1]):
        c = hits[i - 1].chunk
        citations.append(make_citation(n, c, c.source_span(0, len(c.text)), c.text, document_text))
    return text, tuple(citations)


def llm_answer(model: Runnable, question: str, lang: str, grounded: Answer, n_passages: int,
               document_text) -> Iterator[str | Answer]:
    """Stream the model's text, then yield the final Answer. Falls back to the grounded
    extractive answer when the model says it cannot answer or cites nothing valid."""
    hits = list(grounded.hits[:n_passages])
    pieces = []
    for part in model.stream(messages(question, lang, hits)):
        piece = str(part.content)
        pieces.append(piece)
        yield piece
    raw = "".join(pieces).strip()
    text, citations = cite(raw, hits, document_text)
    if "NO_ANSWER" in raw or not citations:
        yield grounded
        return
    yield replace(grounded, text=text, citations=citations)
