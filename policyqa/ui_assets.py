"""The chat UI's page beyond its components: theme and CSS (policyqa/static/ui.css), the scripts it
runs in the browser (in its head, the Markdown export it shares with the widget:
policyqa/static/conversation-markdown.js), Gradio's own words in Chinese — `launch_options` for
`demo.launch` and `gr.mount_gradio_app`."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

PRIVATE = "private"  # gradio 6 api_visibility of every event: usable by this UI, not by API clients

FONTS = ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "system-ui",
         "sans-serif")
# Local fonts only: the default theme fonts come from a web font service an intranet cannot reach.
THEME = gr.themes.Soft(primary_hue="red", secondary_hue="slate", font=FONTS,
                       font_mono=("Consolas", "WenQuanYi Zen Hei Mono", "monospace"))
STATIC = Path(__file__).resolve().parent / "static"
CSS = (STATIC / "ui.css").read_text(encoding="utf-8")

# In a frame of another site, a browser that blocks third-party storage throws on any reading of
# `localStorage`, and Gradio (gr.BrowserState keeps the saved conversations there) then never gets
# past its 加载中…. The page gets a storage of its own that lasts as long as the page does: the UI
# works, its conversations are simply not kept across visits in such a frame. First in the head,
# before Gradio's module scripts run.
STORAGE_FALLBACK_JS = r"""
<script>
(() => {
  try { window.localStorage.getItem("policyqa"); return; } catch (e) { /* blocked: fall back */ }
  const items = new Map();
  const memory = {
    getItem: (k) => (items.has(String(k)) ? items.get(String(k)) : null),
    setItem: (k, v) => { items.set(String(k), String(v)); },
    removeItem: (k) => { items.delete(String(k)); },
    clear: () => { items.clear(); },
    key: (i) => Array.from(items.keys())[i] ?? null,
    get length() { return items.size; },
  };
  try { Object.defineProperty(window, "localStorage", {value: memory, configurable: true}); } catch (e) { /* kept */ }
})();
</script>
"""

# The browser sends the admin token with Gradio's upload request and its event calls: the upload
# route needs it, and so does an event carrying a file (policyqa/gradio_files.py).
UPLOAD_TOKEN_JS = r"""
<script>
(() => {
  let adminToken = "";
  document.addEventListener("input", (e) => {
    if (e.target && e.target.closest && e.target.closest("#pq-admin-token")) adminToken = e.target.value;
  }, true);
  const send = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    if (adminToken && /\/gradio_api\/(upload|queue\/join)(\?|$)/.test(url)) {
      init = Object.assign({}, init || {});
      const headers = new Headers(init.headers || {});
      headers.set("X-Admin-Token", adminToken);
      init.headers = headers;
    }
    return send.call(this, input, init);
  };
})();
</script>
"""

# After an answer: its first line in view (desktop and phone), not its end — the chat log is
# scrolled to the question just asked (or to the answer, if the question is long), and the page
# only when the answer's start is off screen.
SCROLL_TO_ANSWER_JS = """() => {
  const log = document.querySelector('#pq-chat [role="log"]');
  const bots = document.querySelectorAll('#pq-chat .bot-row');
  const users = document.querySelectorAll('#pq-chat .user-row');
  const answer = bots[bots.length - 1];
  if (!log || !answer) return [];
  const question = users[users.length - 1];
  const top = (el) => el.getBoundingClientRect().top;
  let anchor = answer;
  if (question && top(question) < top(answer) && top(answer) - top(question) < log.clientHeight / 3) anchor = question;
  log.scrollTop += top(anchor) - top(log) - 8;
  const r = answer.getBoundingClientRect();
  if (r.top < 0 || r.top > innerHeight - 60) answer.scrollIntoView({block: 'start', behavior: 'instant'});
  return [];
}"""
# When a question is sent: the conversation's end (the new question) in view.
SCROLL_TO_END_JS = """(...args) => {
  const log = document.querySelector('#pq-chat [role="log"]') || document.querySelector('#pq-chat .bubble-wrap');
  if (log) log.scrollTop = log.scrollHeight;
  return args;
}"""
# The 导出 Markdown button: the server reads the conversation from the encrypted store
# (policyqa/ui_conversations.py, `export_data`), and the page makes the Markdown and the file
# with the one export the widget uses too (static/conversation-markdown.js, in the page's head).
DOWNLOAD_JS = """(data) => {
  if (data && window.PolicyQAMarkdown) window.PolicyQAMarkdown.download(JSON.parse(data));
  return [];
}"""


def markdown_head() -> str:
    """static/conversation-markdown.js as a script in the page's head (read from the file when the
    page is mounted or launched; its whole-line comments left out): its `PolicyQAMarkdown` is a
    global of the page."""
    lines = (STATIC / "conversation-markdown.js").read_text(encoding="utf-8").splitlines()
    source = "\n".join(line for line in lines if line.strip() and not line.lstrip().startswith("//"))
    if "</script" in source.lower():  # would end the script element early
        raise ValueError("conversation-markdown.js must not contain '</script'")
    return f"<script>\n{source}\n</script>\n"


# Gradio words its own widgets (the upload area, the Chatbot's buttons) in the browser's language;
# this UI is Chinese whatever that is, so its English words are replaced. (A few accessibility
# labels Gradio hard-codes in English — "Fullscreen", "Scroll down" — are not translatable.)
GRADIO_WORDS = {
    "upload_text.drop_file": "将文件拖放到此处",
    "upload_text.click_to_upload": "点击上传",
    "common.or": "或",
    "common.clear": "清除",
    "chatbot.copy_message": "复制消息",
    "chatbot.like": "有帮助",
    "chatbot.dislike": "没有帮助",
    "chatbot.clear": "清空对话",
}


# The side panel's toggle is labelled in English by Gradio (not translatable): name it in Chinese.
LABELS_JS = """() => {
  const name = () => {
    const b = document.querySelector('.sidebar .toggle-button');
    if (b && b.getAttribute('aria-label') !== '历史对话') b.setAttribute('aria-label', '历史对话');
  };
  name();
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
}"""


def launch_options() -> dict:
    """Theme, CSS, head scripts, words and footer of this UI, for `demo.launch` and
    `gr.mount_gradio_app`."""
    return {"css": CSS, "theme": THEME, "footer_links": [], "js": LABELS_JS,
            "head": STORAGE_FALLBACK_JS + markdown_head(),
            "i18n": gr.I18n(en=GRADIO_WORDS, **{"en-US": GRADIO_WORDS})}
