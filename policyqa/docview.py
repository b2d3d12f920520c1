"""The document view behind every citation: `/doc/{doc}?span=start-end` shows the original
document text (escaped) with the cited span highlighted and scrolled into view, under its title,
date, issuer, number and the section the span lies in.

`citation_url` builds that link for a citation (the API's `citations[].url`, the chat's and the
widget's source cards). When the chat needs a token, a browser following a link cannot send an
`Authorization` header, so the link carries `sig`, an HMAC of the document name under the chat
token: an answer given to an authorised caller opens its own sources, and nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
from urllib.parse import quote

from core.records import Citation
from core.store import Store

_SPAN = re.compile(r"^(\d{1,9})-(\d{1,9})$")


def doc_signature(secret: str, doc: str, kb: str = "") -> str:
    """HMAC of the document's name (with its base's collection, for a base other than the
    default one: a link opens that base's document and no other's)."""
    message = f"{kb}\n{doc}" if kb else doc
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def signature_ok(secret: str | None, doc: str, sig: str | None, kb: str = "") -> bool:
    if not secret:
        return True
    # Bytes, so that a non-ASCII `sig` is a mismatch, not an error.
    return hmac.compare_digest(doc_signature(secret, doc, kb).encode("ascii"), (sig or "").encode("utf-8"))


def _params(doc: str, secret: str | None, kb: str, span: str = "") -> str:
    params = [f"kb={quote(kb, safe='')}"] if kb else []
    if span:
        params.append(span)
    if secret:
        params.append(f"sig={doc_signature(secret, doc, kb)}")
    return ("?" + "&".join(params)) if params else ""


def doc_url(doc: str, start: int | None = None, end: int | None = None,
            secret: str | None = None, kb: str = "") -> str:
    """Server-relative link to a document's view, optionally with a highlighted span. `kb`: the
    collection of the document's base, for a base other than the default one."""
    span = f"span={int(start)}-{int(end)}" if start is not None and end is not None and end > start else ""
    query = _params(doc, secret, kb, span)
    return f"/doc/{quote(doc, safe='')}{query}" + ("#cited" if span else "")


def page_image_url(doc: str, page: int, secret: str | None = None, kb: str = "") -> str:
    """Server-relative link to a scanned page's image (same signature as the document view)."""
    return f"/doc/{quote(doc, safe='')}/page/{int(page)}{_params(doc, secret, kb)}"


def citation_url(citation: Citation | dict, secret: str | None = None, kb: str = "") -> str:
    get = citation.get if isinstance(citation, dict) else lambda k: getattr(citation, k)
    return doc_url(get("doc"), get("start"), get("end"), secret, kb)


def parse_span(span: str | None, length: int) -> tuple[int, int] | None:
    """`start-end` → a valid [start, end) inside a text of `length`; None when absent or invalid."""
    m = _SPAN.match((span or "").strip())
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    return (a, b) if 0 <= a < b <= length else None


def section_of(store: Store, doc: str, offset: int) -> str:
    """Heading path of the chunk whose original span holds `offset` ("" when none does)."""
    chunks = store.chunks_by_id(store.chunk_ids(doc)).values()
    for c in sorted(chunks, key=lambda c: c.position):
        if c.start <= offset < c.end:
            return c.heading
    return ""


PAGE_CSS = """
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1f2328; line-height: 1.75;
  font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", system-ui, sans-serif; }
header { background: #fff; border-bottom: 1px solid #d8dee4; padding: 12px max(16px, calc(50% - 420px));
  position: sticky; top: 0; z-index: 1; box-shadow: 0 1px 4px rgba(0,0,0,.06); }
h1 { font-size: 1.3rem; margin: 0 0 6px; line-height: 1.4; }
dl { display: flex; flex-wrap: wrap; gap: 2px 18px; margin: 0; font-size: .9rem; color: #57606a; }
dl div { display: flex; gap: 4px; } dt { font-weight: 600; } dd { margin: 0; }
.section { margin-top: 6px; font-size: .92rem; color: #1f2328; }
main { max-width: 840px; margin: 16px auto 40vh; padding: 0 16px; }
.text { white-space: pre-wrap; word-break: break-word; background: #fff; border: 1px solid #d8dee4;
  border-radius: 8px; padding: 16px 20px; font-size: 1rem; }
mark { background: #fde68a; color: #1f2328; border-radius: 3px; padding: 1px 0;
  box-shadow: 0 0 0 2px #f59e0b; scroll-margin: 35vh; }
.note { color: #57606a; font-size: .9rem; margin: 0 0 8px; }
main.scanned { max-width: 1400px; display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
  gap: 16px; align-items: start; }
main.scanned > .note { grid-column: 1 / -1; }
.pages { display: flex; flex-direction: column; gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 8px; }
figcaption { font-size: .85rem; color: #57606a; margin-bottom: 4px; }
.sheet { position: relative; line-height: 0; }
.sheet img { display: block; width: 100%; height: auto; }
.line-mark { position: absolute; outline: 3px solid #f59e0b; background: rgba(253, 230, 138, .35);
  border-radius: 2px; }
@media (max-width: 800px) { main.scanned { grid-template-columns: minmax(0, 1fr); } }
"""


def _e(value) -> str:
    return html.escape(str(value or ""), quote=True)


def cited_lines(ocr: dict, a: int, b: int) -> dict[int, list[list[int]]]:
    """The OCR lines (`[page, x0, y0, x1, y1, start, end]`) that hold part of [a, b), by page."""
    pages: dict[int, list[list[int]]] = {}
    for line in ocr.get("lines") or []:
        if line[5] < b and line[6] > a:
            pages.setdefault(int(line[0]), []).append(line)
    return pages


def _pct(value: float, whole: float) -> str:
    return f"{100 * max(0.0, min(float(value), whole)) / max(whole, 1):.3f}%"


def scanned_pages_html(doc: str, ocr: dict, a: int, b: int, secret: str | None, kb: str = "") -> str:
    """The page images holding [a, b), each with its cited lines outlined (positions in percent
    of the page, so the marks scale with the image)."""
    figures = []
    for page, lines in sorted(cited_lines(ocr, a, b).items()):
        w, h = (ocr.get("sizes") or {}).get(str(page), (0, 0))
        if not w or not h:
            continue
        marks = "".join(
            f'<span class="line-mark" data-start="{int(s)}" data-end="{int(e)}" style="left:{_pct(x0, w)};'
            f'top:{_pct(y0, h)};width:{_pct(x1 - x0, w)};height:{_pct(y1 - y0, h)}"></span>'
            for _, x0, y0, x1, y1, s, e in lines)
        src = _e(page_image_url(doc, page, secret, kb))
        figures.append(f'<figure data-page="{int(page)}"><figcaption>第 {int(page)} 页（扫描件，框出的是被引用的行）'
                       f'</figcaption><div class="sheet"><img src="{src}" alt="第 {int(page)} 页" '
                       f'width="{int(w)}" height="{int(h)}">{marks}</div></figure>')
    return f'<section class="pages">{"".join(figures)}</section>' if figures else ""


def render_document(store: Store, doc: str, span: str | None, secret: str | None = None,
                    kb: str = "") -> str | None:
    """The document view page; None when there is no such document. A document read by OCR
    shows, beside its text, the page images holding the cited span with the cited lines
    marked (image links signed with `secret`, the chat token, like the view's own link)."""
    info = next((d for d in store.documents() if d["doc"] == doc), None)
    if info is None:
        return None
    text = store.document_text(doc)
    meta = info.get("meta") or {}
    cited = parse_span(span, len(text))
    section = section_of(store, doc, cited[0]) if cited else ""
    fields = [("日期", meta.get("date")), ("发文机关", meta.get("issuer")), ("文号", meta.get("number")),
              ("地区", meta.get("region"))]
    meta_html = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in fields if v)
    if cited:
        a, b = cited
        body = f'{_e(text[:a])}<mark id="cited">{_e(text[a:b])}</mark>{_e(text[b:])}'
        note = "黄色标出的是被引用的原文。"
    else:
        body = _e(text)
        note = "引用位置无效，显示全文。" if span else ""
    title = info.get("title") or "未命名文档"
    section_html = f'<div class="section">章节：{_e(section)}</div>' if section else ""
    scans = scanned_pages_html(doc, store.ocr_lines(doc), *cited, secret, kb) if cited else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} · 原文</title><style>{PAGE_CSS}</style></head><body>"
        f"<header><h1>{_e(title)}</h1><dl>{meta_html}</dl>{section_html}</header>"
        f'<main{" class=scanned" if scans else ""}>{f"<p class=note>{note}</p>" if note else ""}'
        f'{scans}<div class="text">{body}</div></main>'
        "<script>addEventListener('load',function(){var m=document.getElementById('cited');"
        "if(m)m.scrollIntoView({block:'center'});});</script>"
        "</body></html>"
    )
