"""A tiny synthetic corpus vocabulary for the query-analysis tests."""

from __future__ import annotations

from core.script import normalise
from retrieval.tokens import tokenize

CORPUS = ("澳门特别行政区行政长官贺一诚发表施政报告，继续推行现金分享计划。台湾高雄市政府规定，"
          "违反规定的，处罚款。本市禁止燃放烟花爆竹的地方包括学校和医院。退休老人可以申请照顾。"
          "每年举行会议，新的条件自公布之日起施行。环境优良，满足需要，新闻发布。")
WORDS = sorted({t for t in tokenize(normalise(CORPUS))} | {"贺一诚", "高雄", "现金分享", "李家超"})


def vocabulary(word: str) -> bool:
    return word in CORPUS
