"""The document view behind citations (/doc/{doc}?span=…), citations[].url, streamed stage
events and the offline API docs, on the real server on 127.0.0.1 (sample corpus store)."""

from __future__ import annotations

import html
import re
import shutil
from urllib.parse import quote

import httpx
import pytest

from conftest import LiveServer
from core.settings import load_settings
from policyqa.docview import doc_url, parse_span

TOKEN = "chat-token-for-docview"


@pytest.fixture(scope="module")
def server(sample_store, tmp_path_factory):

    from policyqa.server import build_app

    store = tmp_path_factory.mktemp("docview") / "s"
    shutil.copytree(sample_store, store)
    app = build_app(load_settings(store=store, chat_token=TOKEN))
    with LiveServer(app, lifespan="off") as live:
        yield live.base


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_parse_span():
    assert parse_span("3-9", 10) == (3, 9)
    for bad in (None, "", "9-3", "3-11", "-1-4", "a-b", "3-3"):
        assert parse_span(bad, 10) is None, bad


def test_citation_opens_the_original_with_the_quote_highlighted(server):
    body = httpx.post(server + "/api/ask", json={"question": "社区党组织的经费怎么保障？"}, headers=AUTH,
                      timeout=60).json()
    cite = body["citations"][0]
    assert cite["url"].startswith(f"/doc/{quote(cite['doc'], safe='')}?span={cite['start']}-{cite['end']}")
    assert "sig=" in cite["url"]  # the chat needs a token: the link carries its own authorisation
    page = httpx.get(server + cite["url"], timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    marked = re.search(r'<mark id="cited">(.*?)</mark>', page.text, re.S)
    assert marked and html.unescape(marked.group(1)) == cite["quote"]
    assert html.escape(cite["title"]) in page.text and cite["date"] in page.text
    assert "章节" in page.text and html.escape(cite["heading"].split(" › ")[-1]) in page.text
    assert "scrollIntoView" in page.text


def test_document_view_refuses_unsigned_and_unknown_links(server):
    doc = "004_df71fea4efc04293.txt"
    assert httpx.get(server + doc_url(doc, 0, 10)).status_code == 403  # no signature
    assert httpx.get(server + doc_url(doc, 0, 10, "another token")).status_code == 403
    assert httpx.get(server + doc_url("no-such.txt", 0, 10, TOKEN)).status_code == 404
    whole = httpx.get(server + doc_url(doc, 0, 10 ** 8, TOKEN).replace("#cited", ""))
    assert whole.status_code == 200 and "<mark" not in whole.text and "引用位置无效" in whole.text


def test_document_text_is_escaped(server, sample_store):
    page = httpx.get(server + doc_url("001_04a2f7de591a3251.txt", secret=TOKEN)).text
    text = page.split('<div class="text">', 1)[1]
    assert "<script" not in text.split("</main>")[0]


def test_stream_reports_stages_as_they_happen(server):
    events = []
    with httpx.stream("POST", server + "/api/ask/stream", json={"question": "长春基层党组织的月例会制度是怎么规定的？"},
                      headers=AUTH, timeout=60) as r:
        for line in r.iter_lines():
            if line.startswith("data: ") and events and events[-1][0] == "stage":
                events[-1] = ("stage", line)
            if line.startswith("event: "):
                events.append((line[7:], ""))
    names = [e[0] for e in events]
    assert names[:2] == ["stage", "stage"] and "检索中" in events[0][1] and "组织答案" in events[1][1]
    assert names.count("token") >= 2  # the answer's sentences, one by one
    assert names[-2:] == ["answer", "done"]


def test_api_docs_work_offline(server):
    page = httpx.get(server + "/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/") for a in assets), assets  # nothing from a CDN
    for a in assets:
        assert httpx.get(server + a).status_code == 200, a
    redoc = httpx.get(server + "/redoc").text
    js = re.findall(r'src="([^"]+)"', redoc)
    assert js and all(s.startswith("/") for s in js) and "fonts.googleapis" not in redoc
