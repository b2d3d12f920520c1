"""The embeddable widget as the one script an intranet page loads (GET /widget.js).

Its source is split by job in policyqa/static/: `widget.js` (configuration, the panel, asking),
and the parts it names on `//= NAME.js` lines — `widget-dom.js` (DOM helpers, icons),
`widget-messages.js` (how answers and errors show), `widget-api.js` (requests, the answer
stream), `widget-conversations.js` (conversations kept in the browser), `conversation-markdown.js`
(the Markdown export, which the chat UI's page loads too: `SHARED`) — and its
stylesheet `widget.css`, named by `/*= widget.css */''`. `widget_script` puts each part in place
(all share the widget's one function scope, as one file did) and the stylesheet in as a string,
so a page still embeds the widget with one script tag, and no second request is made.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
MAIN = "widget.js"
SHARED = ("conversation-markdown.js",)  # parts the chat UI loads as well (policyqa/ui_assets.py)
_PART = re.compile(r"^[ \t]*//= ([\w-]+\.js)[ \t]*$", re.M)
_STYLE = re.compile(r"/\*= ([\w-]+\.css) \*/''")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def stylesheet(name: str) -> str:
    """A stylesheet as the widget's style text: comments and blank lines left out."""
    lines = _COMMENT.sub("", _read(name)).splitlines()
    return "\n".join(line for line in lines if line.strip())


def widget_script() -> str:
    """widget.js with its parts and stylesheet in place (read afresh each time, as the file was)."""
    script = _PART.sub(lambda m: _read(m.group(1)).rstrip("\n"), _read(MAIN))
    return _STYLE.sub(lambda m: json.dumps(stylesheet(m.group(1))), script)
