"""The 问答 tab: the chat, its question box, examples, filters, access-token field and 「知识库」
selector, and its events (ask, stop, suggestions, feedback, save the conversation).

Who may ask which base is decided on the server at every question (policyqa/ui_bases.py); a turn
itself is policyqa/ui_chat.py, its messages policyqa/ui_render.py."""

from __future__ import annotations

import logging
from typing import Callable, Iterator

import gradio as gr

from core.settings import Settings
from core.script import detect_lang
from policyqa.assistant import Assistant
from policyqa.ui_assets import PRIVATE, SCROLL_TO_ANSWER_JS, SCROLL_TO_END_JS
from policyqa.ui_bases import chat_for, token_needed
from policyqa.ui_chat import build_filters, chat_reply, feedback_payload, plain_messages
from policyqa.ui_conversations import conv_choices, conv_save
from policyqa.ui_render import STAGE_PREFIX, WORDS, error_message, words

log = logging.getLogger("policyqa")

EXAMPLES = [
    "社区党组织的经费怎么保障？",
    "柳園鎮2016年為多少人申請了大病救助？",
    "长春设立了多少个民生服务站？",
    "How should a community party branch be funded?",
]


def knowledge_stats(assistant: Assistant) -> str:
    docs = len(assistant.store.documents())
    return f"知识库：{docs} 份文档 · {assistant.store.count_chunks()} 个段落"


def regions(assistant: Assistant) -> list[str]:
    return sorted({str((d.get("meta") or {}).get("region") or "") for d in assistant.store.documents()}
                  - {""})


def kb_selector(assistant: Assistant, token: str | None, current: str | None = None) -> dict:
    """The 「知识库」 selector for a caller: the bases it may ask (the rule of GET /api/kb), its
    current choice kept if still allowed, else the deployment's default base (or the caller's
    first); shown only when there is a choice to make."""
    bases = getattr(assistant, "bases", None)
    offered = [kb.name for kb in bases.offered(token)] if bases is not None else []
    if current not in offered:
        preferred = bases.preferred(token) if bases is not None else None
        current = preferred.name if preferred is not None else None
    return gr.update(choices=offered, value=current, visible=len(offered) > 1)


def chat_tab(assistant: Assistant, settings: Settings, on_feedback: Callable[[dict], int] | None,
             saved: gr.BrowserState, conv_list: gr.Radio):
    """Builds the tab; returns (chatbot, records, (refresh, its inputs, its outputs)): the page
    shows a stored conversation in the first two, and refreshes the selector, numbers and regions
    for the caller with the third (on load, and after a document write)."""
    stats = gr.Markdown(elem_classes=["pq-note"], elem_id="pq-stats")
    # (Not in a Row with the numbers: a Row holding a hidden component kept the UI from rendering
    # in a cross-origin frame — tests/e2e/test_chat_browser.py::test_ui_in_an_iframe_loads_at_the_top.)
    kb = gr.Dropdown(label="知识库", choices=[], value=None, visible=False, allow_custom_value=True,
                     elem_id="pq-kb")
    chatbot = gr.Chatbot(
        show_label=False, elem_id="pq-chat", height="62vh", autoscroll=False, latex_delimiters=[],
        sanitize_html=True, group_consecutive_messages=False, buttons=["copy"],
        feedback_options=("Like", "Dislike") if on_feedback else None,
        placeholder="<b>请输入关于已收录政策文件的问题</b><br>回答中的每句话都标注出处，点击来源可查看原文。",
    )
    records = gr.State({})  # chat message index (str) → answer record, for feedback and export
    with gr.Row(equal_height=True):
        question = gr.Textbox(placeholder="输入问题，回车发送", show_label=False,
                              scale=8, lines=1, max_lines=6, elem_id="pq-question")
        send = gr.Button("发送", variant="primary", scale=1, min_width=72, elem_id="pq-send")
        stop = gr.Button("停止", variant="stop", scale=1, min_width=72, visible=False, elem_id="pq-stop")
    gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="示例问题")
    with gr.Accordion("筛选条件（可选）", open=False):
        with gr.Row():
            region = gr.Dropdown(label="地区", choices=regions(assistant), value=None,
                                 allow_custom_value=True, scale=2)
            date_from = gr.Textbox(label="起始日期", placeholder="YYYY-MM-DD", scale=1)
            date_to = gr.Textbox(label="截止日期", placeholder="YYYY-MM-DD", scale=1)
        # Who may ask, and which bases: the server's assistant says (chat token, access keys,
        # private bases; policyqa/ui_bases.py); else the chat token alone, as before.
        needs_token = token_needed(assistant, settings)
        chat_token = gr.Textbox(label="访问令牌", type="password", visible=needs_token,
                                elem_id="pq-token")
    if needs_token:
        gr.Markdown("需要访问令牌或访问密钥：请在「筛选条件」中填写。", elem_classes=["pq-note"])

    def refresh(token_v: str, kb_v: str | None):
        """The selector, the header's numbers and the region choices for this caller's base."""
        selector = kb_selector(assistant, token_v, kb_v)
        chosen = chat_for(assistant, settings, token_v, selector.get("value"))
        shown = chosen[0] if chosen is not None else assistant
        return selector, knowledge_stats(shown), gr.update(choices=regions(shown))

    def respond(message: str, messages: list, region_v: str | None, from_v: str, to_v: str,
                token_v: str, kb_v: str | None, recs: dict) -> Iterator[tuple[list, str, dict]]:
        message = (message or "").strip()
        w = words(detect_lang(message) if message else "zh")
        base = plain_messages(messages) + ([{"role": "user", "content": message}] if message else [])
        chosen = chat_for(assistant, settings, token_v, kb_v)
        if chosen is None:  # a wrong token, or a base it may not ask (or that does not exist)
            bases = getattr(assistant, "bases", None)
            known = bases is not None and kb_v and bases.offered(token_v)
            refusal = w["kb"].format(kb_v) if known else w["token"]
            yield base + [error_message(refusal)], "", recs
            return
        try:
            filters = build_filters(region_v, from_v, to_v)
        except ValueError as e:
            yield base + [error_message(w["error"].format(e))], "", recs
            return
        recs = dict(recs or {})
        asker, links = chosen
        for chat, record in chat_reply(asker, message, messages, filters, links):
            if record is not None:
                recs[str(len(chat) - 1)] = record
            yield chat, "", recs

    def busy():
        return (gr.update(interactive=False), gr.update(visible=True),
                gr.update(interactive=False, placeholder="正在回答…可点「停止」中止"))

    def idle():
        return (gr.update(interactive=True), gr.update(visible=False),
                gr.update(interactive=True, placeholder="输入问题，回车发送"))

    def save(value, messages, recs):
        store = conv_save(value, messages, recs)
        return store, gr.update(choices=conv_choices(store), value=store["current"])

    def stopped(messages: list):
        chat = plain_messages(messages)
        if chat and chat[-1]["role"] == "assistant" and chat[-1]["content"].startswith(STAGE_PREFIX):
            chat[-1] = error_message(WORDS["zh"]["stopped"])
        elif chat and chat[-1]["role"] == "assistant":
            chat.append(error_message(WORDS["zh"]["stopped"]))
        return chat

    inputs = [question, chatbot, region, date_from, date_to, chat_token, kb, records]
    outputs = [chatbot, question, records]
    runs = []

    def wire(trigger, **api) -> None:
        started = trigger(busy, None, [send, stop, question], queue=False, js=SCROLL_TO_END_JS, **api)
        run = started.then(respond, inputs, outputs, api_visibility=PRIVATE)
        runs.append(run)
        (run.then(idle, None, [send, stop, question], queue=False, api_visibility=PRIVATE)
            .then(save, [saved, chatbot, records], [saved, conv_list], queue=False, api_visibility=PRIVATE)
            .then(None, None, None, js=SCROLL_TO_ANSWER_JS, api_visibility=PRIVATE))

    # UI internals all: the documented API is the REST one (/api/ask, /api/ask/stream).
    wire(question.submit, api_visibility=PRIVATE)
    wire(send.click, api_visibility=PRIVATE)
    # A suggestion under a declined answer asks it.
    def pick(data: gr.SelectData) -> str:
        return str(data.value)

    picked = chatbot.option_select(pick, None, question, queue=False, api_visibility=PRIVATE)
    wire(picked.then, api_visibility=PRIVATE)
    stop.click(stopped, [chatbot], [chatbot], cancels=runs, queue=False, api_visibility=PRIVATE) \
        .then(idle, None, [send, stop, question], queue=False, api_visibility=PRIVATE) \
        .then(save, [saved, chatbot, records], [saved, conv_list], queue=False, api_visibility=PRIVATE)

    def like(recs: dict, data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        record = (recs or {}).get(str(index))
        payload = feedback_payload(record, data.liked) if record else None
        if payload is None or on_feedback is None:
            return
        try:
            on_feedback(payload)
            gr.Info("感谢反馈！")
        except Exception as e:  # a feedback failure must not break the chat
            log.warning("feedback failed: %s", e)
            gr.Warning("反馈未能保存。")

    if on_feedback is not None:
        chatbot.like(like, [records], None, api_visibility=PRIVATE)

    # A new token (another key) lists its own bases; another base shows its own numbers.
    looks = [kb, stats, region]
    chat_token.change(refresh, [chat_token, kb], looks, queue=False, api_visibility=PRIVATE)
    kb.input(refresh, [chat_token, kb], looks, queue=False, api_visibility=PRIVATE)
    return chatbot, records, (refresh, [chat_token, kb], looks)
