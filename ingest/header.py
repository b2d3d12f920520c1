"""The facts a document states about itself above and below its body: the event lines under a
regulation's title (passed, revised, in force: dates, issuing body, decree number), the record
of Taiwan's law database, a labelled or header date, the signature block (issuer and date)
and the document's own number (文号). Never from the body: a 《…》（…号） citation names another
document's number and issuer."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from core.sentences import is_prose_line
from ingest.dates import COMPACT_DATE_RE, YMD_RE, dates_in, iso_date

if TYPE_CHECKING:  # the options are metadata's; only their values are read here
    from ingest.metadata import Options

DATE_LABEL_RE = re.compile(r"(?:^|\s)(?:date|日期|时间|時間|发布日期|發布日期|发布时间|發布時間|发文日期|成文日期|印发日期|"
                           r"公布日期|發文日期)\s*[:：]?\s*$", re.I)

# 文号: 中办发〔2014〕6号, 国务院令第601号.
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,5}\s*[号號]")
DECREE_NUMBER_RE = re.compile(r"((?:中华人民共和国)?([\u4e00-\u9fff]{2,12}?)令)\s*第\s*(\d{1,5})\s*[号號]")
# An issuing body ends in one of these.
ORGAN_SUFFIX = ("委员会", "委員會", "人民政府", "政府", "办公厅", "辦公廳", "办公室", "辦公室", "人民代表大会常务委员会",
                "常务委员会", "常委会", "组织部", "組織部", "宣传部", "部", "厅", "廳", "局", "署", "院", "委", "小组",
                "小組", "中心", "党组", "黨組", "市委", "省委", "区委", "區委", "县委", "縣委", "总局", "總局")
ORGAN_LINE_RE = re.compile(r"^(?:中共|中国共产党)?[\u4e00-\u9fff（）()]{2,30}?(?:%s)$" % "|".join(
    sorted(ORGAN_SUFFIX, key=len, reverse=True)))
# A header line of a regulation: "2020年8月27日 德州市第十八届人民代表大会常务委员会第三十五次会议通过".
EVENT_VERBS = ("通过", "批准", "公布", "发布", "修订", "修正", "修改", "施行", "廢止", "废止")
REVISION_VERBS = ("修订", "修正", "修改", "修訂")


def lines_of(text: str) -> list[str]:
    """The text's non-blank lines, stripped of spaces and of table rules (|)."""
    return [ln.strip(" \t\u3000|｜") for ln in text.split("\n") if ln.strip(" \t\u3000|｜")]


def header_lines(lines: list[str], options: Options) -> list[str]:
    """Lines before the body: up to the first article/chapter or the second prose paragraph."""
    out, prose = [], 0
    for ln in lines[: options.head_lines]:
        if re.match(r"^(?:#+\s*)?第\s*[一二三四五六七八九十百\d]+\s*[章条條]", ln):
            break
        if ln.startswith("<!--"):
            break
        if is_prose_line(ln):
            prose += 1
            if prose >= 2:
                break
        out.append(ln)
    return out


def _organ_of_event(line: str) -> str:
    """"德州市第十八届人民代表大会常务委员会第三十五次会议通过" → "德州市人民代表大会常务委员会"."""
    body = YMD_RE.sub("", line, count=1).strip(" 　")
    if body.startswith("《"):
        return ""
    m = re.match(r"^(.+?)(?:第[一二三四五六七八九十百\d]+次(?:常务)?会议)", body)
    if not m:
        m = DECREE_NUMBER_RE.match(body)
        return re.sub(r"^中华人民共和国", "", m.group(2)) if m else ""
    organ = re.sub(r"第[一二三四五六七八九十百\d]+届", "", m.group(1))
    return organ if 2 <= len(organ) <= 30 and not re.search(r"[，。《》]", organ) else ""


def regulation_header(header: list[str]) -> dict:
    """Dates, issuer and decree number from the event lines under a regulation's title."""
    meta: dict = {}
    events: list[tuple[str, str, str]] = []  # (date, verb, line)
    for ln in header:
        ds = dates_in(ln)
        if not ds or not YMD_RE.match(ln):
            continue
        verbs = [v for v in EVENT_VERBS if v in ln]
        if not verbs:
            continue
        tail_verb = max(verbs, key=lambda v: ln.rfind(v))
        events.append((max(ds), tail_verb, ln))
    if not events:
        return meta
    enacted = [e for e in events if e[1] not in ("施行",)]
    if enacted:
        meta["promulgated"] = min(e[0] for e in enacted)
        meta["date"] = max(e[0] for e in enacted)
        revisions = [e for e in enacted if any(v in e[2] for v in REVISION_VERBS) and e[0] != meta["promulgated"]]
        if revisions:
            meta["revised"] = max(e[0] for e in revisions)
        if (organ := next((o for e in enacted if (o := _organ_of_event(e[2]))), "")):
            meta["issuer"] = organ
        decrees = [m for e in enacted for m in [DECREE_NUMBER_RE.search(e[2])] if m]
        if decrees:
            m = decrees[-1]
            meta["number"] = re.sub(r"^中华人民共和国", "", m.group(1)) + f"第{m.group(3)}号"
    effective = [e[0] for e in events if e[1] == "施行"]
    if effective:
        meta["effective"] = max(effective)
    return meta


def taiwan_header(text: str) -> dict:
    """The fields of a Taiwan law database record: 法規名稱 / 修正日期 / 法規類別 / 沿革."""
    meta: dict = {}
    if (m := re.search(r"^法規名稱[:：]\s*(.+)$", text, re.M)):
        meta["title"] = m.group(1).strip()
    history = ""
    if (m := re.search(r"^沿革[:：]\s*\n(.*?)(?=^第\s*\S{1,8}\s*[條章]|\Z)", text, re.M | re.S)):
        history = re.sub(r"\s+", "", m.group(1))
    first = dates_in(history)
    if first:
        meta["promulgated"] = first[0]
    if (m := re.search(r"^(?:修正日期|公發布日|發布日期|公布日期)[:：]\s*(\d{8})", text, re.M)):
        if (d := COMPACT_DATE_RE.fullmatch(m.group(1))):
            meta["date"] = iso_date(*(int(g) for g in d.groups()))
            if meta.get("promulgated") and meta["date"] > meta["promulgated"]:
                meta["revised"] = meta["date"]
    elif first:
        meta["date"] = first[-1]
    if (m := re.search(r"^法規類別[:：]\s*(.+)$", text, re.M)):
        parts = [p.strip() for p in re.split(r"[＞>]", m.group(1)) if p.strip()]
        organs = [p for p in parts[1:] if ORGAN_LINE_RE.match(p) and not p.endswith("本部")]
        if organs:
            meta["issuer"] = organs[0]
        if parts and "廢止" in parts[0]:
            entries = re.split(r"(?<=[；;。])|(?=\d+\.中華民國)", history)
            repeal = [dates_in(e)[0] for e in entries if "廢止" in e and dates_in(e)]
            meta["repealed"] = repeal[-1] if repeal else meta.get("date", "")
            if meta.get("revised") == meta["repealed"]:
                del meta["revised"]  # the record's last change is the repeal, not a revision
    meta["region"] = "台湾"
    return meta


def labelled_or_header_date(header: list[str], options: Options) -> str:
    for ln in header:  # a labelled date: "发布日期：2013-10-25", "date 2026-02-25 …"
        for m in YMD_RE.finditer(ln):
            if DATE_LABEL_RE.search(ln[:m.start()]):
                if (ds := dates_in(ln[m.start():m.end()])):
                    return ds[0]
    for ln in header:  # a parenthesised date on its own line: "(2014年12月24日)"
        if re.fullmatch(r"[(（]\s*[^()（）]{6,20}\s*[)）]", ln) and (ds := dates_in(ln)):
            return ds[0]
    for ln in header:  # a short header line carrying a date: "青岛晚报 2023年01月14日"
        if len(ln) <= options.short_line and not is_prose_line(ln) and (ds := dates_in(ln)):
            return ds[0]
    return ""


def signature(lines: list[str], options: Options) -> dict:
    """An issuer line followed by a date line at the end of a notice."""
    meta: dict = {}
    tail = lines[-options.tail_lines:]
    for i, ln in enumerate(tail):
        if len(ln) <= 24 and (ds := dates_in(ln)) and re.fullmatch(r"[\d〇○零一二三四五六七八九十年月日\s\-/.]+", ln):
            meta["date"] = ds[0]
            if i and ORGAN_LINE_RE.match(tail[i - 1]) and len(tail[i - 1]) <= 30:
                meta["issuer"] = tail[i - 1]
    return meta


def own_number(header: list[str], options: Options) -> str:
    """A 文号 standing in the header, not inside a citation 《…》（…号）."""
    for ln in header:
        if len(ln) > options.short_line:
            continue
        for m in DOC_NUMBER_RE.finditer(ln):
            before = ln[: m.start()].rstrip()
            if before.endswith(("》", "》(", "》（")) or ln[m.start() - 1: m.start()] in "(（" and "》" in before:
                continue
            return re.sub(r"\s+", "", m.group())
    return ""
