"""Follow-up questions: whether a question leans on the previous turn, and its standalone form."""

from __future__ import annotations

import re

from core.script import detect_lang

# Words that make a question lean on the previous turn.
_FOLLOWUP_ZH = re.compile(r"^(那|那么|还有|另外|再|其中|并且|而且)|呢[？?]?$|这个|這個|该|該|此项|此項|上述|他们|他們|它们|它們|其|那些|这些|這些|分别|分別|具体|具體")
_FOLLOWUP_EN = re.compile(r"\b(them|they|their|it|its|this|that|these|those|what about|how about|each|the same|also)\b", re.I)


def is_follow_up(question: str, history: list[dict]) -> bool:
    if not history:
        return False
    q = question.strip()
    if detect_lang(q) == "en":
        return bool(_FOLLOWUP_EN.search(q)) or len(q.split()) <= 4
    return bool(_FOLLOWUP_ZH.search(q))


def condense(question: str, history: list[dict]) -> str:
    """A standalone query by rule: a follow-up is searched together with the previous user turn
    (which names the subject the follow-up refers to)."""
    if not is_follow_up(question, history):
        return question.strip()
    previous = [t.get("content", "") for t in history if t.get("role") == "user"]
    if not previous:
        return question.strip()
    return f"{previous[-1].strip()} {question.strip()}"
