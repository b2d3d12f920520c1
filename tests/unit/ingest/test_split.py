"""Chunks carry their article/section path, stay within both bounds whatever the punctuation,
and never cut a figure in half."""

import re

from ingest.clean import clean
from ingest.split import FIGURE_RE, Options, count_tokens, split
from core.records import Document


def _chunks(text, max_tokens=200):
    doc = Document(doc="t.txt", title="测试条例", text=text)
    return split(doc, clean(text), max_tokens=max_tokens)


LAW = """# 某市养犬管理条例

## 第一章 总则

第一条 为了规范养犬行为，保障公民健康和人身安全，制定本条例。

第二条 本条例适用于本市行政区域内的养犬管理。

## 第四章 法律责任

第三十二条 违反本条例规定，携犬出户未束犬链的，由公安机关责令改正，处二百元以上五百元以下罚款。

第三十三条 违反本条例规定的，有下列情形之一的，处一千元罚款：
一、未办理登记的；
二、未定期免疫的。
"""


def test_chunks_carry_chapter_and_article_path():
    chunks = _chunks(LAW, max_tokens=60)
    by_text = {c.text.split("\n")[0][:6]: c.heading for c in chunks}
    headings = [c.heading for c in chunks]
    assert "第四章 法律责任 › 第三十二条" in headings
    assert any(h == "第一章 总则 › 第一条" for h in headings)
    # Items of an article stay under the article, not as sections of their own.
    assert all("一、未办理" not in h for h in headings)
    assert by_text


def test_taiwan_article_and_heading_families():
    text = "第 一 章 總則\n第 1 條\n本辦法依身心障礙者權益保障法訂定之。\n第 2-1 條\n申請人應檢附下列文件：\n一、申請書。\n"
    headings = {c.heading for c in _chunks(text, max_tokens=30)}
    assert "第 一 章 總則 › 第 2-1 條" in headings or "第 一 章 總則 › 第 1 條" in headings


def test_unpunctuated_text_is_bounded_in_tokens_and_characters():
    text = "本市居民办理居住登记申请公共服务事项" * 3000  # 54,000 characters, no sentence end
    chunks = _chunks(text, max_tokens=120)
    bound = 120 * Options().chars_per_token
    assert len(chunks) > 50
    assert all(count_tokens(c.text) <= 120 and len(c.text) <= bound for c in chunks)
    # Together the chunks cover the text without a gap (neighbours may overlap by a piece).
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(b.start <= a.end for a, b in zip(chunks, chunks[1:]))


def test_latin_text_without_spaces_is_bounded_in_characters():
    text = "x" * 20000
    chunks = _chunks(text, max_tokens=200)
    assert all(len(c.text) <= 800 for c in chunks)


def test_chinese_numeral_figures_never_cut():
    clause = "违反规定经营的处二万元以上十万元以下罚款并处新臺幣八千二百元罚金"
    text = clause * 400
    chunks = _chunks(text, max_tokens=50)
    figures = {m.group() for m in FIGURE_RE.finditer(clause)}
    assert "二万元以上十万元以下" in figures
    for c in chunks:
        for piece in (c.text[:12], c.text[-12:]):
            # A chunk edge never falls inside a figure: every figure touching an edge is whole.
            for m in FIGURE_RE.finditer(piece):
                assert m.group() in clause
        assert not re.match(r"^[万千百十元以上下]", c.text), c.text[:20]


def test_runs_map_display_text_back_to_the_original():
    text = "簡?報(bào)\n全區(qū)已建立聯(lián)系點(diǎn)278個(gè)。各地推行服務。\n"
    for c in _chunks(text, max_tokens=30):
        for a in range(len(c.text)):
            s, e = c.source_span(a, a + 1)
            assert text[s:e] == c.text[a]
