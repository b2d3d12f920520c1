"""Nothing but SQLite opens the store's SQLite files in the server's process (issue 21).

Opening and closing a SQLite database file through a second handle in a process that holds it
open drops that process's POSIX locks; another process (an ordinary `policyqa docs`) then
believes it is the last connection and deletes the live `-wal`/`-shm`: acknowledged writes
are lost. SQLite opens its files in C; a Python-level open (`open`, `os.open`, `shutil.copy`,
anything built on them — as Gradio's copy of a client-named path was) raises the `open` audit
event, and this hook refuses it for the SQLite files directly in a guarded store folder
(the manifest, the feedback and embedding-cache databases, their -wal/-shm/-journal).
"""

from __future__ import annotations

import os
import sys
import threading

_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")
_guarded: set[str] = set()
_lock = threading.Lock()
_installed = False


class StoreFileRefused(PermissionError):
    pass


def guard(store) -> None:
    """Refuse Python-level opens of the SQLite files in folder `store`, from now on, in this
    process (an audit hook cannot be removed; guarding is idempotent)."""
    global _installed
    with _lock:
        _guarded.add(os.path.realpath(os.fspath(store)))
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


def guarded(path) -> bool:
    """Whether `path` names one of the SQLite files of a guarded store."""
    if isinstance(path, int) or path is None:
        return False
    try:
        name = os.fsdecode(path)
    except TypeError:
        return False
    if not name.endswith(_SUFFIXES):
        return False
    return os.path.realpath(os.path.dirname(os.path.abspath(name))) in _guarded


def _hook(event: str, args: tuple) -> None:
    if event == "open" and _guarded and args and guarded(args[0]):
        raise StoreFileRefused(f"the store's database files are opened by the store only: {os.fsdecode(args[0])}")
