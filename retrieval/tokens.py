"""Tokenisation shared by the keyword index, query analysis and sentence scoring."""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
from functools import lru_cache
from pathlib import Path

import jieba

from core.figures import find_figures

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
    "i you we he she me my our your his her not no yes am".split()
) | frozenset(
    # Question words and their jieba pieces: they ask, they name no topic a document could cover.
    "多久 多长 多长时间 长时间 多少钱 多少天 多少年 多少次 几天 几年 几次 几岁 几个月 几名 几人 几条 几项 "
    "多大 多高 多远 多重 怎么办 怎样才能 才能 什么样 哪儿 为什么 为何 是不是 有没有 能不能 可不可以 "
    "一共 总共 合共 大概 大约 到底 究竟 呢 嗎 吗 "
    # Traditional-script question words OpenCC leaves in their own form (甚麼 → 甚么, 著).
    "甚么 甚么样 为甚么 怎么样 要不要 不要 需不需要 用不用 要么 著 着 跟 吧 嘛 呀 啦 喔 哦 呢 "
    # The locative particle of a question (裡/裏 → 里: 报告里).
    "里 现在 如今 现时 "
    # Everyday verbs of wanting, getting and needing: they ask, they name no topic.
    "想 想要 拿 拿到 不用 不必 "
    "哪几 哪几天 哪几个 哪几种 哪几类 哪一 哪一个 哪天 哪年 哪种 哪类 哪家 哪位 何时 几时 "
    "against without after before during under over when where while must need needs get gets got "
    "set also still just only more most less here whose being other another again both either every "
    "same very really actually someone somebody anyone people person thing things way ways kind "
    "let lets make makes made say says said tell know want wants go goes going come comes "
    "if whether besides long".split()
)
_PUNCT_RE = re.compile(r"^[\W_]+$")
# Words people ask with (何处, 哪一年, 第几), learned from thousands of questions by
# `python -m eval.question_words`: a question's tokens leave them out (`question_tokens`).
QUESTION_WORDS_FILE = Path(__file__).parent / "data" / "question_words.txt"


@lru_cache(maxsize=1)
def question_words() -> frozenset[str]:
    rows = QUESTION_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(r.split("\t")[0] for r in rows if r.strip() and not r.startswith("#"))


@lru_cache(maxsize=1)
def _asking_words() -> frozenset[str]:
    return STOPWORDS | question_words()


def search_cut(text: str) -> tuple[str, ...]:
    """jieba's search-mode words of a text, lower-cased (stopwords included)."""
    return tuple(t.strip().lower() for t in _cut(text) if t.strip())


@lru_cache(maxsize=65536)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(jieba.lcut_for_search(text))


def tokenize(text: str, cached: bool = True) -> list[str]:
    """Search tokens of already-normalised text: jieba search mode, stopwords and punctuation
    removed; Latin words kept whole, digits kept (figures are often what is asked).
    `cached=False` for passages being indexed: each is cut once, and keeping their cuts would
    hold tens of thousands of token tuples for nothing (hundreds of MB at 100k chunks)."""
    out = []
    for tok in (_cut(text) if cached else jieba.lcut_for_search(text)):
        tok = tok.strip().lower()
        if not tok or tok in STOPWORDS or _PUNCT_RE.match(tok):
            continue
        out.append(tok)
    return out


def question_tokens(text: str) -> list[str]:
    """A question's search tokens: `tokenize`, less its question words and every piece of one.
    Search mode also cuts a word into the words inside it (多长时间 → 多长, 时间, 长时间; 哪一年 →
    一年): a piece of a word that asks (时间 of 多长时间, 一年 of 哪一年) asks too, and taken for a
    topic word it makes the question seek passages about time or a year."""
    asking = _asking_words()
    spans = [(a, b) for w, a, b in _spans(text) if w.strip().lower() in asking and b - a >= 2]
    ends = {b for _, _, b in _spans(text)}
    starts = {a for _, a, _ in _spans(text)}
    out = []
    for w, a, b in _spans(text):
        tok = w.strip().lower()
        if not tok or tok in asking or _PUNCT_RE.match(tok):
            continue
        if any(x <= a and b <= y and (x, y) != (a, b) for x, y in spans):
            continue
        if any(a < m < b and m in ends and m in starts and _split_at(text, a, b, m) for m in range(a + 1, b)):
            continue  # a piece across the seam of two others (公用 of 办公|用房) is no word of it
        out.append(tok)
    return out


def _split_at(text: str, a: int, b: int, m: int) -> bool:
    """Two other search pieces meet at `m`, one reaching before `a` and one past `b`: the piece
    a..b straddles their seam."""
    pieces = _spans(text)
    return (any(x < a and y == m for _, x, y in pieces) and any(x == m and y > b for _, x, y in pieces))


@lru_cache(maxsize=4096)
def _spans(text: str) -> tuple[tuple[str, int, int], ...]:
    return tuple(jieba.tokenize(text, mode="search"))


def passage_tokens(text: str) -> list[str]:
    """The keyword tokens of a passage being indexed (never none: BM25 needs a token a passage)."""
    return tokenize(text, cached=False) or ["∅"]


def fingerprint() -> str:
    """What passage tokens depend on, as a short digest: jieba's version and dictionary, the
    stopwords, the punctuation rule and the code of `tokenize` and `passage_tokens`. Stored
    tokens and saved keyword indexes carry it, so that a changed tokenizer (a new stopword)
    makes them again instead of indexing tokens a query would no longer produce."""
    h = hashlib.blake2b(digest_size=8)
    for part in (jieba.__version__, _jieba_dictionary(), _PUNCT_RE.pattern, " ".join(sorted(STOPWORDS)),
                 _source(tokenize), _source(passage_tokens)):
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=None)
def _jieba_dictionary() -> str:
    with jieba.dt.get_dict_file() as f:
        return hashlib.blake2b(f.read(), digest_size=16).hexdigest()


@lru_cache(maxsize=None)
def _source(fn) -> str:
    return inspect.getsource(fn)


def figures(text: str) -> dict[str, set[str]]:
    """Figures with a unit in a (normalised) text, by unit: {"元": {"8万元"}, "个": {"278个"}}
    (the figure rules of core/figures.py; dates aside)."""
    out: dict[str, set[str]] = {}
    for f in find_figures(text):
        if f.unit:
            out.setdefault(f.unit, set()).add(f.text)
    return out
