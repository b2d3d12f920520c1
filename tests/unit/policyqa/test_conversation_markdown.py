"""The one Markdown export of a conversation (policyqa/static/conversation-markdown.js), which the
chat UI and the widget both use, run with node: its format, its choices, and every value written as
plain text (rendered with markdown-it, no value makes a link, image, HTML, emphasis or list)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from markdown_it import MarkdownIt

from policyqa.ui_assets import launch_options, markdown_head
from policyqa.widget_bundle import STATIC, widget_script

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

# Reads [[function, conversation], ...] on stdin, writes the results as JSON.
RUNNER = """
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const calls = JSON.parse(input);
  process.stdout.write(JSON.stringify(calls.map(([fn, conv]) => PolicyQAMarkdown[fn](conv))));
});
"""


def run(*calls: tuple[str, object], source: str | None = None) -> list:
    script = (source or (STATIC / "conversation-markdown.js").read_text(encoding="utf-8")) + RUNNER
    done = subprocess.run(["node", "-e", script], input=json.dumps(calls), capture_output=True,
                          text=True, check=True, timeout=60)
    return json.loads(done.stdout)


def markdown(conv: dict) -> str:
    return run(("markdown", conv))[0]


CITE = {"n": 1, "doc": "004_x.txt", "url": "http://host/doc/004_x.txt?sig=1", "title": "实施意见",
        "heading": "四、主要措施", "date": "2014-12-24", "page": None, "quote": "纳入 \n 财政预算"}


def test_the_format_is_the_chats():
    conv = {"title": "经费 保障", "exported": "2026-01-02 03:04", "items": [
        {"question": "社区党组织的经费怎么保障？"},
        {"answer": "经费纳入预算。[1]", "declined": False, "citations": [CITE, {**CITE, "n": 2, "page": 3}]},
        {"question": "街道呢？"},
        {"answer": "没有找到依据。", "declined": True, "citations": [CITE], "suggestions": ["街道经费？", " "]},
        {"question": "第三问"}, {"answer": "部分答案"}, {"stopped": True},
        {"question": "第四问"}, {"error": "抱歉，出错了：无法连接问答服务。"},
        {"question": "第五问"}, {"answer": "答", "citations": [{"n": 1, "quote": "q"}]},
    ]}
    assert markdown(conv) == "\n".join([
        "# 经费 保障", "", "导出时间：2026-01-02 03:04", "",
        "## 问：社区党组织的经费怎么保障？", "", "经费纳入预算。[1]", "", "**来源**", "",
        "1. 《实施意见》（四、主要措施 · 2014-12-24）：“纳入 财政预算”",
        "2. 《实施意见》（四、主要措施 · 2014-12-24 · 第 3 页）：“纳入 财政预算”", "",
        "## 问：街道呢？", "", "没有找到依据。", "", "- 街道经费？", "",  # declined: no sources
        "## 问：第三问", "", "部分答案", "", "> 已停止。", "",
        "## 问：第四问", "", "> 抱歉，出错了：无法连接问答服务。", "",
        "## 问：第五问", "", "答", "", "**来源**", "", "1. 《未命名文档》：“q”",
    ]) + "\n"


def test_no_file_names_and_the_fallbacks():
    md, name, untitled, plain = run(
        ("markdown", {"items": [{"question": "问"}, {"answer": "答", "citations": [CITE]}]}),
        ("fileName", {"title": ' 经费 / 保障:"2024" '}), ("fileName", {"title": "  "}),
        ("markdown", {"title": "t", "exported": "<b>", "items": []}))
    assert md.startswith("# 对话\n\n导出时间：20") and "004_x" not in md and "http" not in md
    assert name == "经费_保障_2024_.md" and untitled == "对话.md"
    assert "<b>" not in plain and plain.startswith("# t\n\n导出时间：20")  # only a time is taken


HOSTILE = ["[点此](http://evil.example/x)", "![图](http://evil.example/p.png)", "<img src=x onerror=alert(1)>",
           "<http://evil.example>", "**粗体** _斜体_ `代码` ~~删除~~ 2~3个", "$x^2$", "a | b",
           "www.evil.example", "mail@evil.example", "&lt;script&gt;", "\\[1\\](x)"]
LINE_START = ["# 标题", "> 引用", "- 列表", "+ 列表", "1. 列表", "2) 列表", "    代码", "===", "---", "***",
              "[1]: http://evil.example", "| a | b |", "|---|---|"]


def test_every_value_is_plain_text():
    text = " ".join(HOSTILE)
    conv = {"title": text, "items": [
        {"question": text}, {"answer": "\n".join(HOSTILE + LINE_START) + "\n正文[1][2]，见[3](http://evil.example)。",
                             "citations": [{"n": 1, "title": text, "heading": text, "date": text, "quote": text}],
                             "suggestions": [text]},
        {"question": "\n".join(LINE_START)}, {"answer": "\n".join(LINE_START), "declined": True,
                                              "suggestions": LINE_START},
        {"error": text}]}
    md = markdown(conv)
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md)
    for tag in ("<a ", "<img", "<em>", "<code>", "<s>", "<del>", "<table", "<pre", "<script", "<h3"):
        assert tag not in html, (tag, html)
    # our own markup only: one h1, a h2 per question, the error's quote, the sources, the suggestions
    assert html.count("<h1>") == 1 and html.count("<h2>") == 2 and html.count("<blockquote>") == 1
    assert html.count("<strong>") == html.count("<strong>来源</strong>") == 1
    assert html.count("<ol>") == 1 and html.count("<ul>") == 2 and html.count("<li>") == 1 + 1 + len(LINE_START)
    assert "www\\.evil" in md and "http\\://" in md and "mail\\@evil" in md  # no bare autolinks either
    assert "正文[1][2]，见\\[3\\](http\\://evil.example)。" in md  # citation marks stay readable
    # and the text itself survives: rendering gives back what the document said
    assert "[点此](http://evil.example/x)" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "**粗体** _斜体_ `代码` ~~删除~~ 2~3个" in html and "&amp;lt;script&amp;gt;" in html


def test_the_chat_page_and_the_widget_carry_this_one_export():
    head = markdown_head()
    assert head.startswith("<script>\n") and head.endswith("</script>\n") and head in launch_options()["head"]
    conv = {"title": "t", "exported": "2026-01-02 03:04", "items": [
        {"question": "问"}, {"answer": "答[1]", "citations": [CITE]}, {"error": "错"}]}
    page = run(("markdown", conv), source=head[len("<script>"):-len("</script>\n")])
    assert page == run(("markdown", conv))  # the page's copy (comments left out) is the same code
    assert "var PolicyQAMarkdown = (function () {" in widget_script()
