"""One chat turn of the UI, away from Gradio's widgets: the messages as Gradio sends them back,
the history the assistant reads, the filters, the streamed reply, the feedback item.

A reply streams as chat messages (see policyqa/ui_render.py): the stage being worked on, the
answer's sentences as produced, then the final answer with its sources; with it, a record of the
answer (for feedback and the Markdown export)."""

from __future__ import annotations

import logging
import re
from typing import Any, Iterator

from core.records import Answer
from core.script import detect_lang
from policyqa.assistant import Assistant, Stage
from policyqa.ui_bases import Links
from policyqa.ui_render import (answer_message, error_message, escape_answer, is_answer,
                                stage_message, strip_sources, words)

log = logging.getLogger("policyqa")

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _text_of(content: Any) -> str:
    """Message content as text: gradio 6 sends a list of {"type": "text", "text": ...} parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", "")) if content.get("type", "text") == "text" else ""
    if isinstance(content, (list, tuple)):
        return " ".join(_text_of(p) for p in content).strip()
    return ""


def plain_messages(messages: list | None) -> list[dict]:
    """Chatbot messages (as gradio sends them back) → [{role, content[, options]}] with string
    content, for storing and re-displaying."""
    out = []
    for m in messages or []:
        get = m.get if isinstance(m, dict) else lambda k, d=None, m=m: getattr(m, k, d)
        role = get("role")
        if role not in ("user", "assistant"):
            continue
        item = {"role": role, "content": _text_of(get("content", ""))}
        options = get("options")
        if options:
            item["options"] = [{"label": str(o.get("label") or o.get("value") or ""),
                                "value": str(o.get("value") or o.get("label") or "")}
                               for o in options if isinstance(o, dict)]
        out.append(item)
    return out


def history_from_messages(messages: list | None) -> list[dict]:
    """Chatbot messages → [{role, content}] for the assistant: sources stripped, errors and
    unfinished stages skipped."""
    out = []
    for m in plain_messages(messages):
        role, content = m["role"], m["content"]
        if role == "assistant":
            if not is_answer(content):
                continue
            content = strip_sources(content)
        if content.strip():
            out.append({"role": role, "content": content.strip()})
    return out


def _date_bound(value: str | None, upper: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not _DATE.match(value):
        raise ValueError(f"日期格式应为 YYYY-MM-DD（或 YYYY、YYYY-MM）：“{value}”")
    if len(value) == 4:
        return value + ("-12-31" if upper else "-01-01")
    if len(value) == 7:
        return value + ("-31" if upper else "-01")
    return value


def build_filters(region: str | None = None, date_from: str | None = None,
                  date_to: str | None = None) -> dict | None:
    """Filters dict {region, date_from, date_to} with empty ones omitted (None when all empty).
    A year or year-month is widened to the whole period. Raises ValueError for a bad date."""
    filters = {"region": (region or "").strip() or None,
               "date_from": _date_bound(date_from, upper=False),
               "date_to": _date_bound(date_to, upper=True)}
    filters = {k: v for k, v in filters.items() if v}
    return filters or None


def answer_record(question: str, history: list[dict], answer: Answer) -> dict:
    """What feedback on this answer (and the Markdown export) needs to know."""
    return {"question": question, "answer": answer.text, "declined": answer.declined,
            "citations": [c.to_dict() for c in answer.citations], "history": history}


def chat_reply(assistant: Assistant, question: str, messages: list | None,
               filters: dict | None = None, link_secret: str | Links | None = None,
               ) -> Iterator[tuple[list[dict], dict | None]]:
    """Stream one turn: yields (chat messages, record) as things happen — the stage being worked
    on (检索中…, 组织答案…), the answer's sentences as produced, then the final answer with its
    sources. The record (for feedback) is None until the answer is final. Each yield is a new
    list. Errors become their own message."""
    question = (question or "").strip()
    lang = detect_lang(question) if question else "zh"
    w = words(lang)
    history = history_from_messages(messages)
    chat = plain_messages(messages)
    if question:  # an empty user message would be dropped by the Chatbot and shift indices
        chat.append({"role": "user", "content": question})
    chat.append(stage_message(w["search"]))
    yield list(chat), None
    text = ""
    try:
        for part in assistant.stream(question, history, filters):
            if isinstance(part, Stage):
                if not text:
                    chat[-1] = stage_message(w.get(part.name, part.name))
                    yield list(chat), None
                continue
            if isinstance(part, Answer):
                chat[-1] = answer_message(part, lang, link_secret)
                yield list(chat), answer_record(question, history, part)
                return
            text += part
            chat[-1] = {"role": "assistant", "content": escape_answer(text)}
            yield list(chat), None
    except ValueError as e:
        chat[-1] = error_message(w["error"].format(_question_error(e, lang)))
        yield list(chat), None
    except Exception as e:  # never crash the UI; the details go to the log
        from policyqa.health import unavailable

        if unavailable(e):
            log.warning("chat failed: a dependency is unreachable (%s)", type(e).__name__)
            chat[-1] = error_message(w["unavailable"])
        else:
            log.exception("chat failed: %s", type(e).__name__)
            chat[-1] = error_message(w["internal"])
        yield list(chat), None


def _question_error(e: ValueError, lang: str) -> str:
    """The assistant's (English) validation errors in the question's language."""
    text = str(e)
    if lang == "en":
        return text
    known = {"the question is empty": "问题为空，请输入问题。",
             "the question is too long (over 2000 characters)": "问题太长（超过 2000 字）。"}
    return known.get(text, text)


def feedback_payload(record: dict, liked: Any) -> dict | None:
    """The on_feedback item for a like (True) / dislike (False); None for anything else."""
    if liked is True or liked == "Like":
        rating = "up"
    elif liked is False or liked == "Dislike":
        rating = "down"
    else:
        return None
    return {"question": record["question"], "answer": record["answer"],
            "citations": record["citations"], "rating": rating, "comment": "",
            "declined": record.get("declined", False), "history": record.get("history", [])}
