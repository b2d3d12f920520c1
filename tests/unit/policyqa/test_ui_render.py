"""The chat's messages and source cards (policyqa/ui_render.py): documents are untrusted, so their
text reaches the page escaped, never as HTML or Markdown, and never names an internal file."""

from __future__ import annotations

import re

from core.records import Answer, Chunk, Citation, Hit
from policyqa import ui_render

EVIL = '<script>alert("x")</script>'


def _evil_answer(declined: bool = False) -> Answer:
    chunk = Chunk(id="c1", doc=f"{EVIL}.txt", title=EVIL, text=f"full {EVIL}\n\nsecond paragraph",
                  index_text="", start=0, end=10, position=0)
    cite = Citation(n=1, doc=chunk.doc, title=EVIL, quote=f"quote {EVIL}", chunk_id="c1", start=0,
                    end=10, date="2016-01-01", heading=EVIL, page=3)
    return Answer(text=f"answer {EVIL} [1]", citations=() if declined else (cite,),
                  hits=(Hit(chunk, 1.0),), declined=declined, query="q",
                  suggestions=(f"ask {EVIL}",) if declined else ())


def _visible(markup: str) -> str:
    return re.sub(r"<[^>]+>", " ", markup)


def test_render_sources_escapes_documents_and_hides_file_names():
    html_out = ui_render.render_sources(_evil_answer())
    assert "<script>" not in html_out
    assert "&lt;script&gt;" in html_out
    assert "<details>" in html_out and "second paragraph" in html_out  # full chunk, expandable
    assert "[1]" in html_out and "2016-01-01" in html_out and "第 3 页" in html_out
    assert "\n\n" not in html_out  # one HTML block: Markdown would resume after a blank line
    assert ".txt" not in _visible(html_out)  # the title, never the internal file name
    assert 'href="/doc/%3Cscript%3E' in html_out and "span=0-10" in html_out  # opens the original
    message = ui_render.format_answer(_evil_answer())
    assert "<script>" not in message
    assert ui_render.strip_sources(message) == f"answer {EVIL} [1]"
    english = ui_render.render_sources(_evil_answer(), lang="en")
    assert "Sources" in english and "来源" not in english


def test_cards_of_one_document_differ_by_section():
    chunk = Chunk(id="c1", doc="001_abc.txt", title="某文件", text="t", index_text="", start=0, end=9,
                  position=0)
    cites = tuple(Citation(n=i, doc="001_abc.txt", title="某文件", quote=f"引文{i}", chunk_id="c1",
                           start=i * 10, end=i * 10 + 5, heading=h, date="2016-01-01")
                  for i, h in ((1, "一、总体要求"), (2, "二、主要措施 › （一）经费保障")))
    cards = ui_render.render_sources(Answer("答 [1][2]", cites, (Hit(chunk, 1.0),), False, "q")).split('class="pq-cite"')[1:]
    assert len(cards) == 2 and "一、总体要求" in cards[0] and "（一）经费保障" in cards[1]
    assert "001_abc" not in _visible("".join(cards))


def test_source_cards_have_no_placeholder_section_and_no_markdown_from_documents():
    """A passage without a section shows no 「正文」 label; figure ranges and emphasis marks in a
    title, quote or passage reach the page as characters (entities), never as Markdown."""
    text = "每个社区配备2~3个专职人员，费率0.5%~2%，*重点*_保障_。"
    chunk = Chunk(id="c1", doc="001_abc.txt", title="关于~试行~的通知", text=text, index_text="", start=0,
                  end=len(text), position=0)
    cite = Citation(n=1, doc="001_abc.txt", title="关于~试行~的通知", quote=text, chunk_id="c1", start=0,
                    end=len(text), heading="")
    html_out = ui_render.render_sources(Answer(f"{text}[1]", (cite,), (Hit(chunk, 1.0),), False, "q"))
    assert "正文" not in html_out and 'class="pq-meta"' not in html_out
    assert "~" not in html_out and "*" not in html_out and "_保障_" not in html_out
    assert "2&#126;3个" in html_out and "0.5%&#126;2%" in html_out
    assert "~" not in ui_render.format_answer(Answer(f"{text}[1]", (cite,), (Hit(chunk, 1.0),), False, "q"))


def test_declined_answer_offers_clickable_suggestions():
    message = ui_render.answer_message(_evil_answer(declined=True))
    assert ui_render.render_sources(_evil_answer(declined=True)) == ""
    assert "pq-sources" not in message["content"]
    assert message["options"] == [{"label": f"ask {EVIL}", "value": f"ask {EVIL}"}]  # rendered as text
    assert "<script>" not in message["content"]
