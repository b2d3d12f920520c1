"""Sentences: the one definition of where a sentence of Chinese (or English) text ends, the cut
the answer stage quotes (`sentence_spans`) and the finer cut chunks are packed from
(`clause_spans`), and whether a line reads as running text."""

from __future__ import annotations

import re

# A sentence ends at a full stop, question or exclamation mark; a clause at a semicolon; the
# closing quotes and brackets after either stay with it.
SENTENCE_ENDS = "。！？!?"
CLAUSE_ENDS = "；;"
CLOSERS = "”’」』）)"

# A sentence runs to a full stop, question or exclamation mark (closing quotes and brackets stay
# with it), or to a line end. A semicolon joins the clauses of one legal sentence (「…责令改正；
# 拒不改正的，处…罚款。」: the condition and the penalty belong together), so it only cuts a
# sentence longer than MAX_SENTENCE_CHARS. The answer stage quotes these units and the store's
# embedding cache is keyed by their exact text, so ingest and retrieval must cut alike.
SENTENCE_RE = re.compile(r"[^%s\n]+(?:[%s]+[%s]*)?" % (SENTENCE_ENDS, SENTENCE_ENDS, CLOSERS))
CLAUSE_RE = re.compile(r"[^%s]+(?:[%s]+[%s]*)?" % (CLAUSE_ENDS, CLAUSE_ENDS, CLOSERS))
MAX_SENTENCE_CHARS = 160


def sentence_spans(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """[start, end) of each sentence of `text`, surrounding white space excluded."""
    spans = []
    for m in SENTENCE_RE.finditer(text):
        pieces = [m] if m.end() - m.start() <= max_chars else list(CLAUSE_RE.finditer(m.group()))
        for p in pieces:
            raw = p.group()
            base = m.start() if p is not m else 0
            a = base + p.start() + (len(raw) - len(raw.lstrip()))
            b = base + p.start() + len(raw.rstrip())
            if b > a:
                spans.append((a, b))
    return spans


# The units chunks are packed from: every sentence end and every semicolon cuts, whatever the
# sentence's length, and the units cover the whole line (a run of marks after a closing quote,
# 「…”；」, is a unit of its own rather than dropped). A different cut from `sentence_spans` on
# purpose: chunks are packed greedily up to a token bound, and small units fill them evenly; a
# chunk's text is whatever lies between its first and last unit, so the quotable sentences of
# `sentence_spans` are found in it all the same. Changing this cut re-cuts every chunk.
UNIT_RE = re.compile(r"[^%s%s\n]*(?:[%s%s]+[%s]*|\n|$)"
                     % (SENTENCE_ENDS, CLAUSE_ENDS, SENTENCE_ENDS, CLAUSE_ENDS, CLOSERS))


def clause_spans(line: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence and clause of one line (every semicolon cuts), without the
    spaces, tabs and ideographic spaces around it."""
    spans = []
    for m in UNIT_RE.finditer(line):
        s, e = m.start(), m.end()
        while s < e and line[s] in " \t\u3000":
            s += 1
        while e > s and line[e - 1] in " \t\u3000\n":
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def han_count(text: str) -> int:
    """How many Chinese (CJK unified) characters `text` holds."""
    return sum(1 for c in text if "\u4e00" <= c <= "\u9fff")


def is_prose_line(line: str) -> bool:
    """A line of running text (a sentence with its full stop, or a long clause chain), as opposed
    to a title, issuer, date or menu line."""
    han = han_count(line)
    ends = sum(line.count(c) for c in "。！？!；;")
    commas = sum(line.count(c) for c in "，,、")
    return (ends >= 1 and han >= 20) or (commas >= 2 and han >= 40)
