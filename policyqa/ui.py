"""The Gradio 6 web UI: a streaming, cited chat in Chinese and (with an admin token) document
management.

`build_ui(assistant, settings, on_feedback)` returns a `gr.Blocks`: the conversation side panel,
the 问答 tab (policyqa/ui_chat_tab.py) and the 文档管理 tab (policyqa/ui_documents_tab.py). Gradio 6
takes the theme, CSS and head at launch/mount time, not in the Blocks constructor, so use
`mount_ui` (or pass `**launch_options()` from policyqa/ui_assets.py to `demo.launch`).

Documents are untrusted: every document-derived string that ends up in HTML or Markdown goes
through the escaping of policyqa/ui_render.py. Tables (`gr.Dataframe`, datatype "str") and
dropdowns render their values as plain text, not HTML.

Conversations live in the browser (`gr.BrowserState`, localStorage): the server keeps no chat
history (policyqa/ui_conversations.py). Their Markdown export is made in the page by
policyqa/static/conversation-markdown.js, the widget's export too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import gradio as gr

from core.settings import Settings
from policyqa.assistant import Assistant
from policyqa.ui_assets import DOWNLOAD_JS, PRIVATE, UPLOAD_TOKEN_JS, launch_options
from policyqa.ui_chat_tab import chat_tab
from policyqa.ui_conversations import (as_store, browser_secret, conv_choices, conv_current, conv_delete,
                                       conv_new, conv_rename, conv_select, empty_store, export_data)
from policyqa.ui_documents_tab import documents_tab

PRODUCT = "政策问答"
DESCRIPTION = "依据已收录的政策文件作答，每句话都标注出处，点击来源即可查看原文。"
# Gradio's upload cache: swept every 10 minutes of files older than an hour (an upload is
# removed as soon as it is indexed; this catches files picked but never indexed).
UPLOAD_CACHE_SWEEP = (600, 3600)


def _header() -> None:
    gr.Markdown(f"# {PRODUCT}\n{DESCRIPTION}", elem_classes=["pq-header"])


def _conversation_panel(saved: gr.BrowserState):
    """Earlier conversations (kept in this browser): open, rename, delete, export."""
    new = gr.Button("＋ 新对话", variant="primary", elem_id="pq-new")
    conv_list = gr.Radio(label="历史对话", choices=[], value=None, elem_id="pq-convs")
    title = gr.Textbox(label="对话名称", placeholder="选中对话后可重命名", elem_id="pq-title")
    with gr.Row(elem_classes=["pq-conv-actions"]):
        rename = gr.Button("重命名", size="sm", elem_id="pq-rename")
        delete = gr.Button("删除", size="sm", variant="stop", elem_id="pq-delete")
        export = gr.Button("导出 Markdown", size="sm", elem_id="pq-export")
    gr.Markdown("对话只保存在本浏览器中，服务器不保存对话记录。", elem_classes=["pq-note"])
    exported = gr.Textbox(visible="hidden", elem_id="pq-export-data")  # the conversation, as JSON
    return new, conv_list, title, rename, delete, export, exported


def build_ui(assistant: Assistant, settings: Settings,
             on_feedback: Callable[[dict], int] | None = None) -> gr.Blocks:
    """The whole app. Mount it with `mount_ui` (or launch with `**launch_options()`)."""
    with gr.Blocks(title=PRODUCT) as demo:
        saved = gr.BrowserState(empty_store(), storage_key="policyqa-conversations",
                                secret=browser_secret(settings))
        with gr.Sidebar(label="历史对话", open=False, width=280, elem_id="pq-sidebar"):
            new, conv_list, title, rename, delete, export, exported = _conversation_panel(saved)
        _header()
        with gr.Tabs():
            with gr.Tab("问答"):
                chatbot, records, looks = chat_tab(assistant, settings, on_feedback, saved, conv_list)
                refresh, looks_in, looks_out = looks
            with gr.Tab("文档管理"):
                writes = documents_tab(assistant, settings)

        def show(value):  # a stored conversation on screen, and the list with it picked
            messages, recs = conv_current(value)
            return messages, recs, gr.update(choices=conv_choices(value), value=as_store(value)["current"])

        def on_load(value, token_v, kb_v):  # the bases, numbers and regions on page load
            return (*refresh(token_v, kb_v), *show(value))

        demo.load(on_load, [saved, *looks_in], [*looks_out, chatbot, records, conv_list], queue=False,
                  api_visibility=PRIVATE)
        for event in writes:  # and after every write
            event.then(refresh, looks_in, looks_out, queue=False, api_visibility=PRIVATE)

        def on_new(value):
            store = conv_new(value)
            return (store, *show(store), "")

        def on_pick(value, conv_id):
            store = conv_select(value, conv_id)
            conv = store["conversations"].get(conv_id) or {}
            return (store, *show(store), conv.get("title", ""))

        def on_rename(value, conv_id, new_title):
            store = conv_rename(value, conv_id, new_title)
            return store, gr.update(choices=conv_choices(store), value=store["current"])

        def on_delete(value, conv_id):
            store = conv_delete(value, conv_id)
            return (store, *show(store), "")

        shown = [chatbot, records, conv_list]
        new.click(on_new, [saved], [saved, *shown, title], queue=False, api_visibility=PRIVATE)
        conv_list.input(on_pick, [saved, conv_list], [saved, *shown, title], queue=False,
                        api_visibility=PRIVATE)
        rename.click(on_rename, [saved, conv_list, title], [saved, conv_list], queue=False,
                     api_visibility=PRIVATE)
        title.submit(on_rename, [saved, conv_list, title], [saved, conv_list], queue=False,
                     api_visibility=PRIVATE)
        delete.click(on_delete, [saved, conv_list], [saved, *shown, title], queue=False,
                     api_visibility=PRIVATE)
        # The server reads the conversation (the store is encrypted), the page writes the Markdown.
        export.click(export_data, [saved, conv_list], [exported], queue=False,
                     api_visibility=PRIVATE) \
            .then(None, [exported], None, js=DOWNLOAD_JS, api_visibility=PRIVATE)
    return demo


def mount_ui(app, demo: gr.Blocks, path: str = "/", **kwargs):
    """`gr.mount_gradio_app` with this UI's theme, CSS and head (mount it after the API routes)."""
    options = launch_options()
    head = options.pop("head")  # the Markdown export's script, whatever head the caller adds
    for key, value in options.items():
        kwargs.setdefault(key, value)
    kwargs["head"] = (kwargs.get("head") or "") + head + UPLOAD_TOKEN_JS
    if demo.delete_cache is None:
        demo.delete_cache = UPLOAD_CACHE_SWEEP
    # Gradio serves no files for this UI (policyqa/gradio_files.py closes its file routes); its
    # own path lists are set anyway: nothing allowed beyond its upload folder, and the store,
    # the project and the working folder blocked.
    kwargs.setdefault("allowed_paths", [])
    kwargs.setdefault("blocked_paths", blocked_paths(kwargs.pop("store", None)))
    kwargs.setdefault("run_history", False)  # no run records kept or offered
    app = gr.mount_gradio_app(app, demo, path=path, **kwargs)
    # A mounted app never counts as launched, and Gradio skips its checks of the paths a client
    # sends until it is: with this, its preprocessing accepts only files in its upload folder.
    demo.has_launched = True
    return app


def blocked_paths(store: Path | str | None) -> list[str]:
    """The store, the project and the working folder, unless one holds Gradio's upload folder."""
    from core.settings import PROJECT_ROOT
    from policyqa.gradio_files import upload_root

    uploads = upload_root()
    out = []
    for p in (store, PROJECT_ROOT, os.getcwd()):
        if p is None:
            continue
        p = Path(os.path.realpath(p))
        if p != uploads and p not in uploads.parents and str(p) not in out:
            out.append(str(p))
    return out

