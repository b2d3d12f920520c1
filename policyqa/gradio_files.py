"""What a request to the mounted Gradio UI may say about files (issue 21).

A Gradio event carries a file as a FileData `{"path": …}` that the client writes itself; Gradio
copies whatever file that path names into its temporary folder before the handler runs (an app
mounted with `mount_gradio_app` never counts as launched, so Gradio's own path checks are
skipped) and serves its temporary folder at `…/gradio_api/file=…` to anyone. So, in front of
Gradio (`RequestGuard` calls these):

- Gradio's file routes (`file=`, `file/`, `proxy=`, `stream/`) are closed: this UI shows no
  files, so Gradio serves none.
- A Gradio request that names any `path` needs the admin token (only the documents tab's upload
  sends files), and every such path must be a regular file inside Gradio's upload folder — a file
  the admin-only upload route wrote, never a link, never anything else on the server.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Iterator

MAX_REFERENCES = 64  # file references in one request (the upload takes at most 20 files)
_SERVING = ("file=", "proxy=")  # segment prefixes of Gradio's file-serving routes
_SERVING_AFTER_API = ("file", "stream")  # …/gradio_api/file/…, …/gradio_api/stream/…


def upload_root() -> Path:
    """Gradio's upload folder (GRADIO_TEMP_DIR or <tmp>/gradio), resolved."""
    from gradio.utils import get_upload_folder

    return Path(os.path.realpath(get_upload_folder()))


def is_file_route(path: str, ui_path: str) -> bool:
    """Whether `path` (already decoded) reaches one of Gradio's file-serving routes."""
    if not (path == ui_path or path.startswith(ui_path + "/")):
        return False
    segments = [s for s in path[len(ui_path):].split("/") if s not in ("", ".")]
    for i, segment in enumerate(segments):
        if segment.startswith(_SERVING):
            return True
        if i and segments[i - 1] == "gradio_api" and segment in _SERVING_AFTER_API:
            return True
    return False


def file_references(payload: Any) -> Iterator[Any]:
    """Every `path` value of every object in a decoded JSON body (a FileData, with or without
    its `meta`, or anything shaped like one)."""
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "path" in item:
                yield item["path"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def refused_reference(value: Any, root: Path) -> str | None:
    """None when `value` names a regular file directly written by Gradio's upload route (inside
    `root`, no link on the way); else why not. Only the name is examined: nothing is opened."""
    if not isinstance(value, str) or not value or "\x00" in value:
        return "not a file name"
    path = Path(value)
    if not path.is_absolute():
        return "not an uploaded file"
    real = Path(os.path.realpath(path))
    if os.path.normpath(value) != value or root not in real.parents:
        return "not an uploaded file"
    try:
        st = os.lstat(path)  # the name itself is no link
    except OSError:
        return "no such uploaded file"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    return None


def check_body(body: bytes, has_admin_token: bool, management_on: bool) -> tuple[int, str] | None:
    """(status, message) refusing a Gradio request body that names files it may not, else None.
    A body that is not JSON is left to Gradio (which refuses it)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    references = []
    for value in file_references(payload):
        references.append(value)
        if len(references) > MAX_REFERENCES:
            return 400, f"一次请求中的文件过多。Too many files in one request (limit {MAX_REFERENCES})."
    if not references:
        return None
    if not management_on:
        return 403, "文档管理未启用，不接受文件。Files are not accepted: document management is off."
    if not has_admin_token:
        return 401, "发送文件需要管理令牌。Sending files needs the admin token."
    root = upload_root()
    for value in references:
        why = refused_reference(value, root)
        if why:
            return 400, ("文件引用被拒绝：服务器只读取经上传接口收到的文件。"
                         f"File reference refused ({why}): the server reads only files sent to its upload route.")
    return None
