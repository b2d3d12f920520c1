"""`policyqa` commands of administration: knowledge bases (kb), access keys (key), curated
answers (curated) and the audit log (audit)."""

from __future__ import annotations

import json
import sys

from policyqa.cli_common import base_of, library_of, printable, who


def cmd_kb(args) -> int:
    library = library_of(args)
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
        kb = library.create_base(args.name, public=args.public, who=who())
        print(f"created knowledge base {kb.name} ({'public' if kb.public else 'private'}); "
              f"add documents with `policyqa ingest --kb {kb.name} PATH...`")
    elif args.action == "rename":
        kb = library.rename_base(args.name, args.new_name, who=who())
        print(f"renamed {args.name} to {kb.name}")
    elif args.action == "public":
        kb = library.set_public(args.name, args.value == "on", who=who())
        print(f"{kb.name} is now {'public' if kb.public else 'private'}")
    elif args.action == "delete":
        if not args.yes:
            print(f"this deletes the knowledge base {args.name} and all of its documents; "
                  f"add --yes to do it", file=sys.stderr)
            return 2
        n = library.delete_base(args.name, who=who())
        print(f"deleted knowledge base {args.name} ({n} documents)")
    return 0


def cmd_key(args) -> int:
    library = library_of(args)
    if args.action == "create":
        token = library.create_key(args.name, args.kb or [], who=who(), identity=args.identity)
        if token:
            print(f"created key {args.name}. Its token, shown this once only (only its hash is kept):")
            print(token)
        else:
            print(f"created identity {args.name} (named by the proxy header POLICYQA_IDENTITY_HEADER)")
    elif args.action == "revoke":
        library.revoke_key(args.name, who=who())
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
    library, kb = base_of(args)
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
            item = library.curation.write(kb, args.question, args.answer or "", cites, who=who())
        else:
            item = library.curation.approve(kb, args.question, who=who(), answer=args.answer)
        print(f"curated answer #{item.id} for {kb.name}: {printable(item.question)}")
        print(item.answer)
        for c in item.citations:
            print(f"  [{c.n}] {printable(c.title)} ({printable(c.doc)} {c.start}-{c.end}, chunk {c.chunk_id})")
        return 0
    if args.action == "remove":
        library.curation.remove(kb, args.id, who=who())
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
    library = library_of(args)
    if args.csv:
        sys.stdout.write(library.audit.csv(args.limit))
        return 0
    for e in library.audit.entries(args.limit):
        what = " ".join(x for x in (e.kb, e.target) if x)
        print(printable(f"{e.time}  {e.who:<18} {e.action:<11} {e.result:<7} {what}"
                        + (f" — {e.detail}" if e.detail else "")))
    return 0
