"""Tokenisation shared by the keyword index, query analysis and sentence scoring."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)
jieba.initialize()

# Function words and question words carry no topic; dropping them keeps BM25 and coverage honest.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 为 对 把 被 将 从 由 以 于 等 中 上 下 也 都 又 还 而 并 就 要 有 个 "
    "这 那 其 之 各 每 该 此 本 啥 吗 呢 吧 啊 么 什么 怎么 怎样 如何 哪些 哪个 哪 多少 几 几个 多 "
    "是否 可以 能 会 应该 应当 需要 具体 分别 情况 方面 问题 一下 一共 共 总共 指 内容 目前 进行 "
    "我 我们 你 你们 他 他们 它 它们 谁 请问 请 告诉 一些 以及 如果 要是 还是 呢 吗 哪里 时候 "
    "a an the of to in on for and or is are was were be been by with as at from that this these "
    "those what which who whom how many much does do did has have had it its their there they them "
    "each per any some into about than then so such can could should would will shall may might "
    "i you we he she me my our your his her not no yes".split()
)
_PUNCT_RE = re.compile(r"^[\W_]+$")


@lru_cache(maxsize=65536)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(jieba.lcut_for_search(text))


def tokenize(text: str) -> list[str]:
    """Search tokens of already-normalised text: jieba search mode, stopwords and punctuation
    removed; Latin words kept whole, digits kept (figures are often what is asked)."""
    out = []
    for tok in _cut(text):
        tok = tok.strip().lower()
        if not tok or tok in STOPWORDS or _PUNCT_RE.match(tok):
            continue
        out.append(tok)
    return out


# A figure as documents write it, with its unit when it has one: 8万元, 16万多盏, 65%, 3个月.
FIGURE_RE = re.compile(
    r"(\d+(?:\.\d+)?[万亿]?)(?:多|余)?(元|个月|个|名|户|人|次|项|条|场|份|所|家|篇|盏|座|批|天|%|‰)?")


def figures(text: str) -> dict[str, set[str]]:
    """Figures with a unit in a (normalised) text, by unit: {"元": {"8万"}, "个": {"278"}}."""
    out: dict[str, set[str]] = {}
    for value, unit in FIGURE_RE.findall(text):
        if unit:
            out.setdefault(unit, set()).add(value)
    return out
