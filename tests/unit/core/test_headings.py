"""Headings and list items (core/headings.py)."""

from __future__ import annotations

import pytest

from core.headings import (ITEM_RE, heading_after, heading_of, heading_path, item_level, item_number,
                           opens_with_marker)


@pytest.mark.parametrize("line", ["一是加强领导", "（三）其他情形", "2、按时申报", "3.年满十八周岁", "第一，明确责任", "①登记"])
def test_list_item_markers(line):
    assert ITEM_RE.match(line)


@pytest.mark.parametrize("line", ["2024年起施行", "一般规定如下", "3.5万元"])
def test_not_list_items(line):
    assert not ITEM_RE.match(line)


@pytest.mark.parametrize("line, found", [
    ("第四章 法律责任", (20, "第四章 法律责任")),
    ("第三十二条 违反本条例规定的，由主管部门责令改正。", (40, "第三十二条")),
    ("一、重要意义", (50, "一、重要意义")),
    ("## 申请条件", (10, "申请条件")),
    ("# 文件标题", None),  # a single '#' is the document's title
    ("第一节约用水", None),  # 节约 is a word, not a section
    ("一般规定", None),
])
def test_heading_of(line, found):
    assert heading_of(line) == found


def test_heading_path_replaces_a_rank_and_every_deeper_one():
    path = {}
    for line in ("第一章 总则", "第一条", "（一）按时申报；", "第二章 管理", "第五条"):
        path = heading_path(path, line)
    assert path == {20: "第二章 管理", 40: "第五条"}  # the article's items are its list, not sections


def test_a_long_line_opens_with_a_marker_though_it_is_no_heading():
    line = "一、" + "申请人应当提交材料" * 5
    assert heading_of(line) is None and opens_with_marker(line)


@pytest.mark.parametrize("text, level, number", [
    ("四、组织实施", 50, 4), ("（三）其他情形", 60, 3), ("2. 按时申报", 70, 2), ("(1)登记", 80, 1),
    ("①登记", 90, None), ("按时申报", None, None),
])
def test_item_levels_and_numbers(text, level, number):
    assert item_level(text) == level and item_number(text) == number


def test_the_heading_in_force_further_on_in_a_passage():
    assert heading_after("第五条", "补贴按月发放。\n第六条 补贴资金由区财政承担。") == "第六条"
    assert heading_after("第二章 补贴 › 第五条", "第六条 资金\n第三章 附则\n第七条 本办法") == "第三章 附则 › 第七条"
    assert heading_after("第二章 补贴 › 第五条", "（一）按月发放；") == "第二章 补贴 › 第五条"  # an item
    assert heading_after("", "一、总体要求\n（一）基本原则。坚持") == "一、总体要求 › （一）基本原则"
