"""Optional generative answers through an OpenAI-compatible endpoint (vLLM, Ollama, Qwen…).

Refusal is decided before this is called (retrieval support, in code); the model only words an
answer from the numbered passages, and any [n] that points to no passage is dropped.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterator

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import Runnable

from policyqa.config import Settings
from policyqa.records import Answer, Citation, Hit
from retrieval.citations import make_citation
from prompts import load_prompt

_MARK_RE = re.compile(r"\[(\d{1,2})\]")
_LANG_NAMES = {"en": "English", "zh-Hans": "Simplified Chinese", "zh-Hant": "Traditional Chinese"}


def chat_model(settings: Settings) -> Runnable:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model,
                      api_key=settings.llm_api_key or "not-needed", timeout=settings.llm_timeout,
                      max_retries=1, temperature=0.0)


def messages(question: str, lang: str, hits: list[Hit]) -> list:
    passages = "\n\n".join(f"[{i}] 《{h.chunk.title}》{h.chunk.heading}\n{h.chunk.text}"
                           for i, h in enumerate(hits, 1))
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
