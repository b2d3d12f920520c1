/*!
 * policyqa widget — cited answers over policy documents, embeddable on any intranet page.
 *
 *   <script src="https://ASSISTANT/widget.js" data-title="政策问答" async></script>
 *
 * Options (data-attributes on the script tag):
 *   data-title     panel title (default 政策问答)
 *   data-token     chat token or access key, sent as "Authorization: Bearer …" when the server requires one
 *   data-kb        knowledge base(s) asked, e.g. "组织部" or "组织部,民政局" (default: the server's default)
 *   data-position  "right" (default) or "left"
 *   data-open      "true" to start with the panel open
 *   data-color     accent colour (any CSS colour), optional
 *
 * The API base is the directory this script was loaded from. Everything renders inside a
 * Shadow DOM; server and document text is only ever inserted with textContent (never as HTML).
 * Plain ES2017, no dependencies. A small API is exposed as window.PolicyQAWidget
 * ({open, close, toggle, ask, reset}).
 *
 * Conversations are kept in this browser (localStorage, one key per assistant): the current one
 * survives a reload, and the history view lists earlier ones to open, rename, delete or export
 * as Markdown. The server keeps no chat history.
 *
 * Source: policyqa/static/widget.js, with the parts it names on `//= NAME.js` lines and its
 * stylesheet (widget.css) put in place by the server (policyqa/widget_bundle.py): one script.
 * The Markdown export (conversation-markdown.js) is the chat UI's too.
 */
(function () {
  'use strict';

  if (typeof window === 'undefined' || window.PolicyQAWidget) return; // loaded twice: keep the first

  // ------------------------------------------------------------------ configuration
  var script = document.currentScript;
  if (!script || !script.src) {
    var found = document.querySelectorAll('script[src*="widget.js"]');
    script = found.length ? found[found.length - 1] : null;
  }
  var data = function (name, fallback) {
    var v = script && script.getAttribute('data-' + name);
    return v == null || v === '' ? fallback : v;
  };
  var BASE = (function () {
    try { return new URL('./', script && script.src ? script.src : location.href).href; }
    catch (e) { return location.origin + '/'; }
  })();
  var TITLE = String(data('title', '政策问答')).slice(0, 60);
  var TOKEN = data('token', '');
  var KB = String(data('kb', '')).slice(0, 400);
  var POSITION = data('position', 'right') === 'left' ? 'left' : 'right';
  var START_OPEN = data('open', 'false') === 'true';
  var ACCENT = data('color', '');
  var REQUEST_TIMEOUT_MS = 120000;
  var MAX_HISTORY = 16;

  var TEXT = {
    open: '打开' + TITLE,
    close: '关闭',
    subtitle: '依据政策原文作答，并标注出处',
    welcome: '您好！我可以根据已收录的政策文件回答您的问题，并给出原文出处。',
    placeholder: '请输入您的问题…',
    inputLabel: '输入问题',
    send: '发送',
    newChat: '新对话',
    newChatLabel: '开始新对话（清空当前对话）',
    searching: '检索中…',
    stop: '停止',
    stopLabel: '停止回答',
    stopped: '已停止回答。',
    openSource: '查看原文',
    untitled: '未命名文档',
    historyLabel: '历史对话',
    historyTitle: '历史对话（仅保存在本浏览器）',
    back: '返回对话',
    rename: '重命名',
    remove: '删除',
    exportMd: '导出',
    exportLabel: '导出为 Markdown',
    noHistory: '还没有保存的对话。',
    newTitle: '新对话',
    save: '保存',
    sources: '来源',
    reviewed: '已审核',
    reviewedBy: '审核人 ',
    sourceLabel: function (n, title) { return '查看出处 ' + n + (title ? '：《' + title + '》' : ''); },
    page: function (p) { return '第 ' + p + ' 页'; },
    suggestions: '您可以试着问：',
    helpful: '有帮助',
    unhelpful: '没有帮助',
    thanks: '感谢您的反馈！',
    feedbackFailed: '反馈提交失败，请稍后再试。',
    error: '抱歉，出错了：',
    network: '无法连接问答服务，请检查网络后重试。',
    timeout: '请求超时，请稍后重试。',
    unauthorized: '问答服务需要有效的访问令牌（data-token）。',
    forbidden: '当前网站未被允许使用该问答服务。',
    notEnabled: '本网站尚未开通政策问答助手，暂时无法提问。请联系网站管理员开通（管理员可在服务器日志中看到需要添加的网站地址）。',
    notEnabledEn: 'This site is not enabled for the assistant yet, so questions cannot be asked here. Please tell the site administrator (the server log names the address to allow).',
    retry: '重试',
    disclaimer: '回答由系统依据文件自动生成，请以原文为准。',
    log: '对话记录',
    you: '您',
    assistant: '助手'
  };

  //= widget-dom.js

  // ------------------------------------------------------------------ styles (scoped to the shadow root: widget.css)
  var CSS = /*= widget.css */'';

  // ------------------------------------------------------------------ state
  var history = [];          // [{role, content}]
  var busy = false;
  var current = null;        // AbortController of the request in flight
  var ui = {};

  // ------------------------------------------------------------------ build
  function build() {
    var host = document.createElement('policyqa-widget');
    host.setAttribute('style', 'all: initial !important; position: static !important; display: block !important;');
    var root = host.attachShadow({ mode: 'open' });
    root.appendChild(h('style', { text: CSS }));
    if (ACCENT && window.CSS && CSS_supports('color', ACCENT)) {
      root.appendChild(h('style', { text: '.pq { --accent: ' + ACCENT + '; --accent-dark: ' + ACCENT + '; }' }));
    }

    var panelId = 'pq-panel';
    ui.launcher = h('button', {
      type: 'button', 'class': 'launcher', 'aria-label': TEXT.open, title: TITLE,
      'aria-expanded': 'false', 'aria-controls': panelId, on: { click: toggle }
    }, [icon('chat', 26)]);

    ui.log = h('div', { 'class': 'log', role: 'log', 'aria-live': 'polite', 'aria-label': TEXT.log, tabindex: '0' });
    ui.input = h('textarea', {
      'class': 'input', rows: '1', placeholder: TEXT.placeholder, 'aria-label': TEXT.inputLabel,
      maxlength: '2000', enterkeyhint: 'send'
    });
    ui.send = h('button', { type: 'submit', 'class': 'send', 'aria-label': TEXT.send, disabled: true },
      [icon('send', 15), TEXT.send]);
    ui.stop = h('button', { type: 'button', 'class': 'stop', 'aria-label': TEXT.stopLabel, title: TEXT.stopLabel, hidden: true,
      on: { click: stopAnswer } }, [icon('stop', 14), TEXT.stop]);
    var form = h('form', { 'class': 'composer', on: { submit: function (e) { e.preventDefault(); submit(); } } },
      [ui.input, ui.send, ui.stop]);
    ui.convs = h('div', { 'class': 'convs', role: 'region', 'aria-label': TEXT.historyTitle, hidden: true });

    var titleId = 'pq-title';
    ui.panel = h('section', {
      id: panelId, 'class': 'panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': titleId, hidden: true
    }, [
      h('header', { 'class': 'head' }, [
        h('div', { 'class': 'head-icon' }, [icon('chat', 20)]),
        h('div', { 'class': 'head-text' }, [
          h('h2', { id: titleId, 'class': 'title', text: TITLE }),
          h('p', { 'class': 'subtitle', text: TEXT.subtitle })
        ]),
        h('button', { type: 'button', 'class': 'head-btn icon-only history', 'aria-label': TEXT.historyLabel, title: TEXT.historyLabel,
          on: { click: toggleHistory } }, [icon('list', 18)]),
        h('button', { type: 'button', 'class': 'head-btn new-chat', 'aria-label': TEXT.newChatLabel, title: TEXT.newChatLabel,
          on: { click: reset } }, [icon('plus', 14), TEXT.newChat]),
        h('button', { type: 'button', 'class': 'head-btn icon-only close', 'aria-label': TEXT.close, title: TEXT.close,
          on: { click: function () { close(true); } } }, [icon('close', 18)])
      ]),
      ui.log,
      ui.convs,
      h('div', { 'class': 'foot' }, [form, h('p', { 'class': 'note', text: TEXT.disclaimer })])
    ]);

    ui.root = h('div', { 'class': 'pq' + (POSITION === 'left' ? ' left' : '') }, [ui.panel, ui.launcher]);
    root.appendChild(ui.root);

    ui.input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      }
    });
    ui.input.addEventListener('input', function () { autosize(); updateSend(); });
    ui.panel.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { e.stopPropagation(); close(true); }
    });

    welcome();
    restoreCurrent();
    document.body.appendChild(host);
    if (START_OPEN) open(false);
  }

  function CSS_supports(prop, value) {
    try { return window.CSS.supports(prop, value); } catch (e) { return false; }
  }

  function autosize() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + 'px';
  }

  function updateSend() {
    ui.send.disabled = busy || !ui.input.value.trim();
    ui.send.hidden = busy;
    ui.stop.hidden = !busy;
  }

  // ------------------------------------------------------------------ open / close
  function open(focus) {
    ui.panel.hidden = false;
    ui.root.classList.add('is-open');
    ui.launcher.setAttribute('aria-expanded', 'true');
    ui.launcher.setAttribute('aria-label', TEXT.close + TITLE);
    swapIcon(ui.launcher, 'close');
    scrollDown(true);
    if (focus !== false) setTimeout(function () { ui.input.focus(); }, 30);
  }

  function close(returnFocus) {
    ui.panel.hidden = true;
    ui.root.classList.remove('is-open');
    ui.launcher.setAttribute('aria-expanded', 'false');
    ui.launcher.setAttribute('aria-label', TEXT.open);
    swapIcon(ui.launcher, 'chat');
    if (returnFocus) ui.launcher.focus();
  }

  function toggle() {
    if (ui.panel.hidden) open(true); else close(false);
  }

  function swapIcon(button, name) {
    var old = button.querySelector('svg');
    var fresh = icon(name, name === 'chat' ? 26 : 24);
    if (old) button.replaceChild(fresh, old); else button.appendChild(fresh);
  }

  function isNearBottom() {
    return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80;
  }

  function scrollDown(force) {
    if (force || isNearBottom()) ui.log.scrollTop = ui.log.scrollHeight;
  }

  // Follow a growing answer, but never past its first line: on a small screen a long answer
  // would otherwise end scrolled down to its sources.
  function keepTopInView(msg, force) {
    if (!force && !isNearBottom()) return;
    var top = msg.offsetTop - 8;
    ui.log.scrollTop = Math.min(ui.log.scrollHeight, top);
  }

  //= widget-messages.js

  //= widget-api.js

  // ------------------------------------------------------------------ asking
  function submit() {
    var q = ui.input.value.trim();
    if (!q || busy) return;
    ui.input.value = '';
    autosize();
    ask(q);
  }

  var counter = 0;
  var stopRequested = false;

  function stopAnswer() {
    if (!busy || !current) return;
    stopRequested = true;
    try { current.abort(); } catch (e) { /* ignore */ }
  }

  async function ask(question, isRetry) {
    question = String(question || '').trim().slice(0, 2000);
    if (!question || busy) return;
    if (ui.panel.hidden) open(false);
    showLog();
    stopRequested = false;
    busy = true;
    updateSend();
    if (!isRetry) addUser(question);
    var bot = addBot();
    bot.id = ++counter;
    var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    current = ctrl;
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; if (ctrl) ctrl.abort(); }, REQUEST_TIMEOUT_MS);
    var body = { question: question, history: history.slice(-MAX_HISTORY), filters: {} };
    var signal = ctrl ? ctrl.signal : undefined;
    var stale = function () { return ctrl !== current; };
    var result = null;
    var failure = null;
    try {
      try {
        result = await askStream(body, signal, bot);
      } catch (e) {
        if (stale() || (e && e.name === 'AbortError')) throw e;
        if (e instanceof ApiError && e.fatal) throw e;
        result = await askPlain(body, signal); // streaming unavailable: ask once more without it
      }
    } catch (e) {
      failure = e;
    } finally {
      clearTimeout(timer);
    }
    if (stale()) return; // a new conversation was started meanwhile
    current = null;
    busy = false;
    updateSend();
    if (failure && stopRequested) {
      renderStopped(bot);
      saveTurn({ q: question, stopped: true });
      return;
    }
    if (failure) {
      var message = timedOut ? TEXT.timeout
        : failure instanceof ApiError ? failure.message
        : (await originRefused()) ? (/[\u3400-\u9fff]/.test(question) ? TEXT.notEnabled : TEXT.notEnabledEn)
        : TEXT.network;
      renderError(bot, message, question);
      saveTurn({ q: question, error: message });
      return;
    }
    if (!result || typeof result !== 'object') {
      renderError(bot, TEXT.network, question);
      saveTurn({ q: question, error: TEXT.network });
      return;
    }
    renderAnswer(bot, question, result);
    saveTurn({ q: question, result: storable(result) });
    history.push({ role: 'user', content: question });
    if (typeof result.answer === 'string' && result.answer.trim()) {
      history.push({ role: 'assistant', content: result.answer.slice(0, 20000) });
    }
    if (history.length > MAX_HISTORY) history = history.slice(-MAX_HISTORY);
  }

  function reset() {
    if (current) { try { current.abort(); } catch (e) { /* ignore */ } }
    current = null;
    busy = false;
    history = [];
    convId = null;
    turns = [];
    var st = loadStore();
    st.current = null;
    writeStore(st);
    showLog();
    clearLog();
    ui.input.value = '';
    autosize();
    updateSend();
    ui.input.focus();
  }

  //= conversation-markdown.js

  //= widget-conversations.js

  // ------------------------------------------------------------------ start
  var ready = function (fn) { return function (x) { return ui.panel ? fn(x) : undefined; }; };
  window.PolicyQAWidget = {
    open: ready(function () { open(true); }),
    close: ready(function () { close(false); }),
    toggle: ready(toggle),
    ask: ready(function (q) { return ask(q); }),
    reset: ready(reset),
    base: BASE
  };

  if (document.body) build();
  else document.addEventListener('DOMContentLoaded', build);
})();
