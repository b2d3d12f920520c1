"""`policyqa` commands on one knowledge base's documents and answers: ingest, ask, docs, delete,
reindex, and the feedback export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from policyqa.cli_common import (assistant_of, base_of, filters_of, kbs_of, library_of, printable,
                                 settings_of, who)


def cmd_ingest(args) -> int:
    library, kb = base_of(args)
    report = library.ingest(kb, [Path(p) for p in args.paths], who=who(), progress=not args.quiet)
    for r in report.results:
        if r.status in ("failed", "skipped", "duplicate") or args.verbose:
            detail = f" ({r.chunks} chunks{'; ' + r.fidelity if r.fidelity else ''})" if r.chunks else ""
            print(f"  {r.status:<9} {r.path}{detail}{': ' + r.reason if r.reason else ''}")
    print(report.summary())
    return 1 if report.count("failed") and not report.count("indexed", "updated", "unchanged") else 0


def format_answer(answer) -> str:
    lines = [answer.text, ""]
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            where = " · ".join(x for x in (c.date, c.heading, f"p.{c.page}" if c.page else "") if x)
            quote = " ".join((c.display or c.quote).split())
            lines.append(f"  [{c.n}] {c.doc} 《{c.title}》{' · ' + where if where else ''}")
            lines.append(f"      “{quote[:200]}{'…' if len(quote) > 200 else ''}”")
    for s in answer.suggestions:
        lines.append(f"  ? {s}")
    d = answer.decision
    if d is not None:
        verdict = "answered" if d.answer else f"declined: {d.reason}"
        lines.append(f"(decision score {d.score:.2f}, threshold {d.threshold:.2f}: {verdict})")
    return "\n".join(lines).rstrip()


def cmd_ask(args) -> int:
    library = library_of(args)
    history = json.loads(Path(args.history).read_text(encoding="utf-8")) if args.history else []
    asked = library.ask(args.question, library.resolve(kbs_of(args)), history, filters_of(args))
    answer = asked.answer
    if args.json:
        print(json.dumps({**answer.to_dict(), "kb": asked.kb.name}, ensure_ascii=False, indent=1))
    else:
        print(format_answer(answer))
    return 0


def format_doc_line(d: dict) -> str:
    """One document: name, chunks, title, then its own date (with promulgation/revision),
    number, issuer and region, as far as the document states them."""
    m = d.get("meta") or {}
    date = m.get("date", "")
    history = [f"{label} {m[key]}" for key, label in (("promulgated", "first"), ("revised", "revised"),
                                                      ("effective", "in force"), ("repealed", "repealed"))
               if m.get(key) and not (key == "revised" and m[key] == date and not m.get("promulgated"))]
    if date and history:
        date = f"{date} ({', '.join(history)})"
    extra = " · ".join(printable(str(x)) for x in (date, m.get("number"), m.get("issuer"), m.get("region"))
                       if x)
    # Names and titles come from files and uploads: control and bidi characters shown as escapes.
    return f"{printable(d['doc']):<40} {d['chunks']:>4} chunks  《{printable(d['title'])}》 {extra}".rstrip()


def cmd_docs(args) -> int:
    assistant = assistant_of(args)
    docs = assistant.store.documents()
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, indent=1))
        return 0
    if not docs:
        print("The knowledge base is empty. Add documents with `policyqa ingest PATH...`.")
        return 0
    for d in docs:
        print(format_doc_line(d))
    print(f"{len(docs)} documents, {sum(d['chunks'] for d in docs)} chunks")
    return 0


def cmd_delete(args) -> int:
    library, kb = base_of(args)
    status = 0
    for doc in args.docs:
        try:
            n = library.delete(kb, doc, who=who())
            print(f"deleted {doc} ({n} chunks)")
        except KeyError:
            print(f"no document named '{doc}' (see `policyqa docs`)", file=sys.stderr)
            status = 1
    return status


def cmd_reindex(args) -> int:
    library, kb = base_of(args)
    report = library.reindex(kb, who=who(), progress=not args.quiet, reset=True)
    for r in report.results:
        if r.status == "failed":
            print(f"  failed {r.doc}: {r.reason}")
    print(report.summary())
    return 0


def cmd_feedback(args) -> int:
    from policyqa.feedback import FeedbackStore

    settings = settings_of(args)
    n = FeedbackStore(Path(settings.store) / "feedback.sqlite3").export(Path(args.out), only=args.only)
    print(f"wrote {n} feedback items to {args.out}")
    return 0
