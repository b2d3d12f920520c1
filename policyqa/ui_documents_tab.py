"""The 文档管理 tab (admin only): upload, list, delete and rebuild documents, delete and rebuild
after a confirmation naming the document's title. Every handler checks the admin token itself
(policyqa/ui_documents.py); the events are kept out of Gradio's API."""

from __future__ import annotations

from typing import Any

import gradio as gr

from core.settings import Settings
from ingest.loaders import LOADERS
from policyqa import admin
from policyqa.assistant import Assistant
from policyqa.ui_assets import PRIVATE
from policyqa.ui_bases import check_token
from policyqa.ui_documents import (REFUSED, delete_document, document_choices, document_rows,
                                   list_documents, reindex_documents, upload_documents)
from policyqa.ui_render import escape_plain

DOC_HEADERS = ["标题", "文号", "日期", "发文机关", "地区", "段落数", "文件名"]
RESULT_HEADERS = ["文件", "状态", "段落数", "说明"]


def documents_tab(assistant: Assistant, settings: Settings) -> list:
    """Builds the admin tab; returns its write events (so the caller can refresh other views).
    Documents are listed and picked by title; delete and rebuild ask first, naming the title."""
    if settings.admin_token is None:
        gr.Markdown("文档管理未启用。设置环境变量 `POLICYQA_ADMIN_TOKEN` 后重启即可启用。")
        return []
    gr.Markdown("完整的管理控制台（命中测试、未解决的问题）：[/admin](/admin)", elem_classes=["pq-note"])
    token = gr.Textbox(label="管理令牌", type="password", elem_id="pq-admin-token",
                       placeholder="输入后按回车加载文档列表")
    status = gr.Markdown(elem_id="pq-admin-status")
    with gr.Row():
        with gr.Column(scale=3, min_width=260):
            files = gr.File(label="上传文档", file_count="multiple", type="filepath",
                            file_types=sorted(LOADERS))
            upload = gr.Button("上传并索引", variant="primary")
        with gr.Column(scale=2, min_width=260):
            doc_choice = gr.Dropdown(label="选择文档", choices=[], value=None, elem_id="pq-admin-doc")
            with gr.Row():
                delete = gr.Button("删除", variant="stop", elem_id="pq-admin-delete")
                reindex_btn = gr.Button("重建索引", elem_id="pq-admin-reindex")
                refresh = gr.Button("刷新")
            with gr.Group(visible=False, elem_id="pq-admin-confirm") as confirm_box:
                confirm_text = gr.Markdown()
                with gr.Row():
                    confirm_yes = gr.Button("确认", variant="stop", elem_id="pq-admin-yes")
                    confirm_no = gr.Button("取消", elem_id="pq-admin-no")
    pending = gr.State(None)  # (action, doc) awaiting confirmation
    results = gr.Dataframe(headers=RESULT_HEADERS, datatype="str", interactive=False, wrap=True,
                           label="上传结果", value=[], elem_id="pq-admin-results")
    table = gr.Dataframe(headers=DOC_HEADERS, datatype="str", interactive=False, wrap=True,
                         label="全部文档", value=[], show_search="search", elem_id="pq-admin-table")

    def current(tok: str) -> tuple[list[list], Any]:
        """Table and picker; empty for a wrong token (the list is admin-only too)."""
        if not check_token(settings.admin_token, tok):
            return [], gr.update(choices=[], value=None)
        return document_rows(assistant), gr.update(choices=document_choices(assistant), value=None)

    def on_list(tok: str):
        msg, _ = list_documents(assistant, settings, tok)
        return (msg, *current(tok))

    def on_upload(tok: str, paths: list[str] | None):
        msg, rows = upload_documents(assistant, settings, tok, paths)
        # Refused: the picker is left as the browser has it (a path is never handed back as a
        # value, which Gradio would copy and serve); processed: the picker is cleared.
        keep = gr.update() if msg == REFUSED else None
        return (msg, rows, *current(tok), keep)

    def ask_first(action: str):
        def ask(tok: str, doc: str | None):
            if not check_token(settings.admin_token, tok):
                return REFUSED, gr.update(visible=False), "", None
            question = admin.confirmation(assistant, action, doc) if doc else None
            if question is None:
                return (f"请先在「选择文档」中选择要{admin.ACTIONS_ZH[action]}的文档。",
                        gr.update(visible=False), "", None)
            return "", gr.update(visible=True), escape_plain(question), (action, doc)
        return ask

    def on_confirm(tok: str, what):
        if not what:
            return ("", gr.update(visible=False), None, *current(tok))
        action, doc = what
        msg = (delete_document(assistant, settings, tok, doc) if action == "delete"
               else reindex_documents(assistant, settings, tok, doc))
        return (msg, gr.update(visible=False), None, *current(tok))

    def on_cancel():
        return "已取消。", gr.update(visible=False), None

    # Every handler checks the token itself; the endpoints are also kept out of the Gradio API.
    token.submit(on_list, [token], [status, table, doc_choice], api_visibility=PRIVATE)
    refresh.click(on_list, [token], [status, table, doc_choice], api_visibility=PRIVATE)
    asking = [status, confirm_box, confirm_text, pending]
    delete.click(ask_first("delete"), [token, doc_choice], asking, api_visibility=PRIVATE)
    reindex_btn.click(ask_first("reindex"), [token, doc_choice], asking, api_visibility=PRIVATE)
    confirm_no.click(on_cancel, None, [status, confirm_box, pending], api_visibility=PRIVATE)
    return [
        upload.click(on_upload, [token, files], [status, results, table, doc_choice, files],
                     api_visibility=PRIVATE),
        confirm_yes.click(on_confirm, [token, pending], [status, confirm_box, pending, table, doc_choice],
                          api_visibility=PRIVATE),
    ]
