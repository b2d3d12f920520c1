"""OFD (.ofd, GB/T 33190-2016), the fixed-layout format of Chinese e-government documents: a
zip of XML. OFD.xml names the document (DocBody/DocRoot) and carries its DocInfo (title,
custom issuing data); the document's Document.xml lists its pages in order, each page's
Content.xml (and the template pages it uses) holds TextObject/TextCode runs placed in
millimetres. A page's runs are put in reading order — lines top to bottom by baseline, runs
left to right within a line — and visual line wraps rejoined as for PDF; pages are joined with
their start offsets recorded, so citations carry page numbers."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders import LoadError, _meta_title, check_zip, content_hash, guess_title
from ingest.pdf import unwrap_lines
from core.records import Document

MAX_PAGES = 2000
MAX_XML_BYTES = 20 * 1024 * 1024  # one part
# Custom issuing data written by e-government systems → the metadata this project keeps.
CUSTOM_KEYS = {"文号": "number", "发文字号": "number", "发文文号": "number", "发文机关": "issuer",
               "发文单位": "issuer", "发布机关": "issuer", "成文日期": "date", "发文日期": "date",
               "发布日期": "date"}
_DATE = re.compile(r"^\s*(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


@dataclass(frozen=True)
class Run:
    x: float  # left edge, mm
    y: float  # baseline, mm (down the page)
    size: float  # font size, mm
    width: float
    text: str


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el, name: str):
    return [c for c in el if _local(c.tag) == name]


def _find(el, *path: str):
    for name in path:
        found = _children(el, name) if el is not None else []
        el = found[0] if found else None
    return el


def _floats(value: str | None, n: int) -> list[float] | None:
    try:
        parts = [float(v) for v in (value or "").replace(",", " ").split()]
    except ValueError:
        return None
    return parts if len(parts) == n else None


def _deltas(value: str | None) -> list[float]:
    """DeltaX/DeltaY: numbers, with "g N D" meaning N times D."""
    out: list[float] = []
    tokens = (value or "").split()
    i = 0
    try:
        while i < len(tokens) and len(out) < 100_000:
            if tokens[i] == "g" and i + 2 < len(tokens):
                out.extend([float(tokens[i + 2])] * min(int(tokens[i + 1]), 100_000))
                i += 3
            else:
                out.append(float(tokens[i]))
                i += 1
    except ValueError:
        return out
    return out


class _Package:
    """The zip's parts, read by their names inside the package (never as file system paths)."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = {n.lstrip("/"): n for n in self.zip.namelist()}

    def xml(self, name: str):
        from lxml import etree

        key = posixpath.normpath(name.replace("\\", "/").lstrip("/"))
        if key.startswith("../") or key not in self.names:
            raise LoadError(f"unreadable .ofd: the part '{name[:80]}' it names is missing", kind="corrupt")
        info = self.zip.getinfo(self.names[key])
        if info.file_size > MAX_XML_BYTES:
            raise LoadError(f"unreadable .ofd: part '{key[:80]}' is {info.file_size // 1_048_576} MiB "
                            f"(limit {MAX_XML_BYTES // 1_048_576} MiB)", kind="too_much")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            return etree.fromstring(self.zip.read(self.names[key]), parser)
        except etree.XMLSyntaxError as e:
            raise LoadError(f"unreadable .ofd: part '{key[:80]}' is not well-formed XML ({e})", kind="corrupt") from e


def _resolve(base_dir: str, loc: str) -> str:
    loc = (loc or "").strip().replace("\\", "/")
    return loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)


def load_ofd(path: Path, data: bytes) -> Document:
    check_zip(data, kind=".ofd")
    try:
        pkg = _Package(data)
    except zipfile.BadZipFile as e:
        raise LoadError(f"corrupt or unreadable .ofd (not a zip archive: {e})", kind="corrupt") from e
    if "OFD.xml" not in pkg.names:
        raise LoadError("not an OFD file: the package has no OFD.xml", kind="wrong_format")
    root = pkg.xml("OFD.xml")
    body = _find(root, "DocBody")
    doc_root = _find(body, "DocRoot")
    if doc_root is None or not (doc_root.text or "").strip():
        raise LoadError("unreadable .ofd: OFD.xml names no document (DocBody/DocRoot)", kind="corrupt")
    meta, title = _doc_info(_find(body, "DocInfo"))
    doc_path = _resolve("", doc_root.text)
    document = pkg.xml(doc_path)
    base = posixpath.dirname(doc_path)
    common = _find(document, "CommonData")
    templates = {tpl.get("ID"): _resolve(base, tpl.get("BaseLoc", ""))
                 for tpl in (_children(common, "TemplatePage") if common is not None else [])}
    pages_el = _find(document, "Pages")
    page_els = _children(pages_el, "Page") if pages_el is not None else []
    if not page_els:
        raise LoadError("unreadable .ofd: the document lists no pages", kind="corrupt")
    if len(page_els) > MAX_PAGES:
        raise LoadError(f"the .ofd has {len(page_els):,} pages (limit {MAX_PAGES:,})", kind="too_much")
    pages = []
    for page_el in page_els:
        page_path = _resolve(base, page_el.get("BaseLoc", ""))
        content = pkg.xml(page_path)
        runs = []
        for tpl in _children(content, "Template"):
            if tpl.get("TemplateID") in templates:
                runs.extend(_runs(pkg.xml(templates[tpl.get("TemplateID")])))
        runs.extend(_runs(content))
        pages.append(unwrap_lines(page_text(runs)))
    if not any(p.strip() for p in pages):
        raise LoadError("the .ofd has no text layer (scanned pages): it needs OCR before it can be indexed", kind="needs_ocr")
    page_starts, offset = [], 0
    for p in pages:
        page_starts.append(offset)
        offset += len(p) + 2
    text = "\n\n".join(pages)
    return Document(doc=path.name, title=title or guess_title(text, path.stem), text=text,
                    meta={**meta, "pages": len(pages), "page_starts": page_starts},
                    content_hash=content_hash(data))


def _doc_info(info) -> tuple[dict, str | None]:
    if info is None:
        return {}, None
    title = _meta_title((_find(info, "Title").text if _find(info, "Title") is not None else "") or "")
    meta: dict = {}
    custom = _find(info, "CustomDatas")
    for item in _children(custom, "CustomData") if custom is not None else []:
        key = CUSTOM_KEYS.get((item.get("Name") or "").strip())
        value = " ".join((item.text or "").split())
        if not key or not value:
            continue
        if key == "date":
            m = _DATE.match(value)
            if not m:
                continue
            value = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        meta.setdefault(key, value[:200])
    return meta, title


def _runs(content) -> list[Run]:
    """Every TextCode of a page (layers and page blocks at any depth) placed on the page."""
    runs: list[Run] = []
    for obj in content.iter():
        if _local(obj.tag) != "TextObject":
            continue
        box = _floats(obj.get("Boundary"), 4) or [0.0, 0.0, 0.0, 0.0]
        ctm = _floats(obj.get("CTM"), 6) or [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        try:
            size = float(obj.get("Size", "3.5"))
        except ValueError:
            size = 3.5
        size *= abs(ctm[3]) or 1.0
        x = y = 0.0
        for code in _children(obj, "TextCode"):
            text = "".join(code.itertext())
            if not text:
                continue
            try:
                x = float(code.get("X", x))
                y = float(code.get("Y", y))
            except ValueError:
                pass
            deltas = _deltas(code.get("DeltaX"))[: len(text) - 1]
            width = (sum(deltas) + size) if deltas else size * len(text)
            ax = box[0] + ctm[0] * x + ctm[2] * y + ctm[4]
            ay = box[1] + ctm[1] * x + ctm[3] * y + ctm[5]
            runs.append(Run(ax, ay, size, width * (abs(ctm[0]) or 1.0), text))
            x += width
    return runs


def page_text(runs: list[Run]) -> str:
    """Lines top to bottom (runs whose baselines differ by less than half a character share a
    line), runs left to right; a gap of a character or more between runs is a space."""
    lines: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: (r.y, r.x)):
        if lines and abs(run.y - lines[-1][0].y) < 0.5 * max(run.size, lines[-1][0].size):
            lines[-1].append(run)
        else:
            lines.append([run])
    out = []
    for line in lines:
        line.sort(key=lambda r: r.x)
        parts = [line[0].text]
        for prev, run in zip(line, line[1:]):
            gap = run.x - (prev.x + prev.width)
            parts.append((" " if gap >= 0.8 * run.size else "") + run.text)
        out.append("".join(parts).rstrip())
    return "\n".join(out)
