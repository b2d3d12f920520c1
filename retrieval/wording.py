"""The fixed words of answers in each language: lead-ins, the decline message with suggested
questions, the note on documents that disagree."""

from __future__ import annotations

import re

from core.records import Chunk
from core.script import to_traditional
from retrieval.query import Query


_WORDS = {
    "zh-Hans": {"according": "根据《{title}》{date}{section}：", "answer": "答：",
                "decline": "抱歉，现有文档中没有找到这个问题的答案，我不作推测。",
                "because": "（原因：{reason}。）",
                "covers": "现有文档涉及：{titles}。", "try": "您可以试着问：{q}",
                "conflict": "注意：文件之间的数字不一致。以较新的《{newer}》（{newer_date}）为准；"
                            "较早的《{older}》（{older_date}）给出的数字不同。"},
    "en": {"according": "According to 《{title}》{date}{section}: ", "answer": "Answer: ",
           "decline": "The indexed documents do not answer this question, so I will not guess.",
           "because": " (Why: {reason}.)",
           "covers": "They cover: {titles}.", "try": "You could ask: {q}",
           "conflict": "Note: the documents give different figures. The newer 《{newer}》 "
                       "({newer_date}) is preferred; the older 《{older}》 ({older_date}) differs."},
}


def words(lang: str) -> dict[str, str]:
    if lang == "zh-Hant":
        return {k: to_traditional(v) for k, v in _WORDS["zh-Hans"].items()}
    return _WORDS.get(lang, _WORDS["zh-Hans"])


def date_note(value: str, lang: str) -> str:
    if not value:
        return ""
    return f" ({value})" if lang == "en" else f"（{value}）"


def decline_text(query: Query, hits, reason: str) -> tuple[str, tuple[str, ...]]:
    w = words(query.lang)
    titles = list(dict.fromkeys(f"《{h.chunk.title}》" for h in hits[:5]))
    suggestions = []
    for h in hits[:6]:
        topic = (h.chunk.heading.split(" › ")[-1] if h.chunk.heading else "").strip()
        topic = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]?", "", topic).strip()
        if len(topic) < 2:
            continue
        q = (f"What does 《{h.chunk.title}》 say about {topic}?" if query.lang == "en"
             else f"《{h.chunk.title}》中关于“{topic}”是怎么规定的？")
        if query.lang == "zh-Hant":
            q = to_traditional(q)
        if q not in suggestions:
            suggestions.append(q)
        if len(suggestions) >= 3:
            break
    text = w["decline"]
    if reason:
        text += w["because"].format(reason=reason)
    if titles:
        text += " " + w["covers"].format(titles="、".join(titles[:3]))
    if suggestions:
        text += " " + w["try"].format(q=suggestions[0])
    return text, tuple(suggestions)


def conflict_note(query: Query, newer: Chunk, older: Chunk) -> str:
    return words(query.lang)["conflict"].format(newer=newer.title, newer_date=newer.meta.get("date", ""),
                                                older=older.title, older_date=older.meta.get("date", ""))
