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
    exported: '导出时间：',
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

  // ------------------------------------------------------------------ DOM helpers (no innerHTML)
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v == null || v === false) return;
        if (k === 'text') el.textContent = String(v);
        else if (k === 'on') Object.keys(v).forEach(function (ev) { el.addEventListener(ev, v[ev]); });
        else el.setAttribute(k, v === true ? '' : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c == null || c === false) return;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return el;
  }

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var ICONS = {
    chat: { fill: 'M4 6.2A3.2 3.2 0 0 1 7.2 3h9.6A3.2 3.2 0 0 1 20 6.2v7.1a3.2 3.2 0 0 1-3.2 3.2H11l-4.6 3.9c-.5.4-1.2.1-1.2-.6v-3.3A3.2 3.2 0 0 1 4 13.3z' },
    close: { stroke: 'M6 6l12 12M18 6L6 18' },
    plus: { stroke: 'M12 5v14M5 12h14' },
    send: { fill: 'M3.4 20.4l17.45-7.48a1 1 0 0 0 0-1.84L3.4 3.6a1 1 0 0 0-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z' },
    up: { fill: 'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z' },
    down: { fill: 'M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z' },
    doc: { stroke: 'M7 3h7l5 5v13H7zM14 3v5h5M9.5 13h7M9.5 17h5' },
    list: { stroke: 'M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01' },
    stop: { fill: 'M7 7h10v10H7z' }
  };
  function icon(name, size) {
    var spec = ICONS[name];
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', String(size || 20));
    svg.setAttribute('height', String(size || 20));
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', spec.fill || spec.stroke);
    if (spec.fill) {
      path.setAttribute('fill', 'currentColor');
    } else {
      path.setAttribute('fill', 'none');
      path.setAttribute('stroke', 'currentColor');
      path.setAttribute('stroke-width', '2');
      path.setAttribute('stroke-linecap', 'round');
      path.setAttribute('stroke-linejoin', 'round');
    }
    svg.appendChild(path);
    return svg;
  }

  // ------------------------------------------------------------------ styles (scoped to the shadow root)
  var CSS = [
    ':host { all: initial !important; }',
    '*, *::before, *::after { box-sizing: border-box; }',
    '.pq { --accent: #1d4ed8; --accent-dark: #1e3a8a; --accent-soft: #eef3ff; --ink: #1f2937; --muted: #6b7280;',
    '  --line: #e5e7eb; --bg: #ffffff; --bg-soft: #f6f7f9;',
    '  font-family: system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Segoe UI", sans-serif;',
    '  font-size: 14px; line-height: 1.6; color: var(--ink); text-align: left; direction: ltr;',
    '  -webkit-font-smoothing: antialiased; letter-spacing: normal; word-spacing: normal; }',
    '.pq button, .pq textarea { font: inherit; color: inherit; margin: 0; }',
    '.pq button { cursor: pointer; -webkit-tap-highlight-color: transparent; }',
    '.pq :focus { outline: none; }',
    '.pq :focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }',
    '.sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }',

    /* launcher */
    '.launcher { position: fixed; bottom: calc(20px + env(safe-area-inset-bottom, 0px)); right: 20px; z-index: 2147483000;',
    '  width: 56px; height: 56px; border-radius: 50%; border: 0; padding: 0; display: flex; align-items: center; justify-content: center;',
    '  background: var(--accent); color: #fff; box-shadow: 0 6px 20px rgba(15, 23, 42, .28), 0 2px 6px rgba(15, 23, 42, .18);',
    '  transition: transform .18s ease, box-shadow .18s ease, background .18s ease; }',
    '.launcher:hover { transform: translateY(-2px) scale(1.04); background: var(--accent-dark); }',
    '.launcher:focus-visible { outline: 3px solid #fff; box-shadow: 0 0 0 6px var(--accent); }',
    '.left .launcher { right: auto; left: 20px; }',

    /* panel */
    '.panel { position: fixed; bottom: calc(88px + env(safe-area-inset-bottom, 0px)); right: 20px; z-index: 2147483001;',
    '  width: 392px; height: min(660px, calc(100vh - 112px)); max-height: calc(100vh - 112px);',
    '  display: flex; flex-direction: column; background: var(--bg); border-radius: 16px; overflow: hidden;',
    '  border: 1px solid rgba(15, 23, 42, .08);',
    '  box-shadow: 0 24px 60px rgba(15, 23, 42, .22), 0 6px 18px rgba(15, 23, 42, .12);',
    '  transform-origin: bottom right; animation: pq-in .18s ease-out; }',
    '.left .panel { right: auto; left: 20px; transform-origin: bottom left; }',
    '.panel[hidden] { display: none; }',
    '@keyframes pq-in { from { opacity: 0; transform: translateY(8px) scale(.98); } to { opacity: 1; transform: none; } }',

    '.head { display: flex; align-items: center; gap: 10px; padding: 14px 12px 14px 16px; color: #fff;',
    '  background: linear-gradient(135deg, var(--accent), var(--accent-dark)); flex: none; }',
    '.head-icon { width: 34px; height: 34px; border-radius: 10px; background: rgba(255,255,255,.18); display: flex; align-items: center; justify-content: center; flex: none; }',
    '.head-text { flex: 1; min-width: 0; }',
    '.title { margin: 0; font-size: 16px; font-weight: 600; line-height: 1.3; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }',
    '.subtitle { margin: 2px 0 0; font-size: 12px; opacity: .85; line-height: 1.3; }',
    '.head-btn { display: inline-flex; align-items: center; gap: 4px; height: 32px; padding: 0 10px; border-radius: 8px;',
    '  border: 1px solid rgba(255,255,255,.35); background: rgba(255,255,255,.12); color: #fff !important; font-size: 13px; white-space: nowrap; }',
    '.head-btn:hover { background: rgba(255,255,255,.24); }',
    '.head-btn.icon-only { width: 32px; padding: 0; justify-content: center; border-color: transparent; background: transparent; }',
    '.head-btn.icon-only:hover { background: rgba(255,255,255,.18); }',
    '.head .pq-focus:focus-visible, .head button:focus-visible { outline-color: #fff; }',

    /* messages */
    '.log { position: relative; flex: 1; overflow-y: auto; padding: 16px 14px 8px; background: var(--bg-soft); overscroll-behavior: contain; scroll-behavior: smooth; }',
    '.msg { display: flex; margin: 0 0 14px; }',
    '.msg.user { justify-content: flex-end; }',
    '.bubble { max-width: 88%; padding: 10px 13px; border-radius: 14px; word-break: break-word; overflow-wrap: anywhere; }',
    '.user .bubble { background: var(--accent); color: #fff; border-bottom-right-radius: 4px; white-space: pre-wrap; }',
    '.bot .bubble { background: var(--bg); border: 1px solid var(--line); border-bottom-left-radius: 4px; width: 100%; max-width: 100%;',
    '  box-shadow: 0 1px 2px rgba(15,23,42,.04); }',
    '.answer { white-space: pre-wrap; }',
    '.declined .answer { color: #4b5563; }',
    '.error .answer { color: #b42318; }',
    '.welcome .bubble { background: var(--accent-soft); border-color: #dbe4ff; }',
    '.pending { color: var(--muted); display: flex; align-items: center; gap: 8px; }',
    '.dots { display: inline-flex; gap: 3px; }',
    '.dots i { width: 6px; height: 6px; border-radius: 50%; background: var(--accent); opacity: .3; animation: pq-dot 1s infinite ease-in-out; }',
    '.dots i:nth-child(2) { animation-delay: .15s; } .dots i:nth-child(3) { animation-delay: .3s; }',
    '@keyframes pq-dot { 0%, 80%, 100% { opacity: .25; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-2px); } }',
    '.caret { display: inline-block; width: 7px; height: 1.05em; margin-left: 1px; vertical-align: text-bottom; background: var(--accent); opacity: .6; animation: pq-blink 1s steps(2) infinite; }',
    '@keyframes pq-blink { 50% { opacity: 0; } }',

    /* citation chips + sources */
    '.chip { display: inline-flex; align-items: center; justify-content: center; min-width: 20px; height: 18px; padding: 0 5px; margin: 0 2px;',
    '  border-radius: 9px; border: 1px solid #c7d4fb; background: var(--accent-soft); color: var(--accent) !important; font-size: 11px; font-weight: 600;',
    '  line-height: 1; vertical-align: 2px; transition: background .15s, color .15s; }',
    '.chip:hover, .chip[aria-expanded="true"] { background: var(--accent); border-color: var(--accent); color: #fff !important; }',
    '.reviewed { margin: 8px 0 0; font-size: 12px; color: var(--muted); }',
    '.reviewed-badge { color: #166534; background: #dcfce7; border-radius: 4px; padding: 0 5px; font-weight: 600; }',
    '.sources { margin-top: 10px; padding-top: 8px; border-top: 1px dashed var(--line); }',
    '.sources-label { font-size: 12px; color: var(--muted); margin: 0 0 6px; }',
    '.src { margin: 0 0 6px; border: 1px solid var(--line); border-radius: 10px; background: #fff; overflow: hidden; }',
    '.src.open { border-color: #c7d4fb; box-shadow: 0 0 0 3px rgba(29, 78, 216, .08); }',
    '.src-head { display: flex; width: 100%; align-items: flex-start; gap: 8px; padding: 7px 10px; border: 0; background: transparent; text-align: left; font-size: 13px; }',
    '.src-head:hover { background: var(--bg-soft); }',
    '.src-n { flex: none; margin-top: 2px; min-width: 20px; height: 18px; padding: 0 5px; border-radius: 9px; background: var(--accent-soft); color: var(--accent); font-size: 11px; font-weight: 600; display: inline-flex; align-items: center; justify-content: center; }',
    '.src.open .src-n { background: var(--accent); color: #fff; }',
    '.src-title { flex: 1; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-weight: 500; }',
    '.src-date { flex: none; color: var(--muted); font-size: 12px; }',
    '.src-body { padding: 2px 12px 10px; font-size: 13px; }',
    '.src-body[hidden] { display: none; }',
    '.src-meta { color: var(--muted); font-size: 12px; margin: 0 0 6px; }',
    '.quote { margin: 0; padding: 8px 10px; border-left: 3px solid var(--accent); background: var(--bg-soft); border-radius: 0 6px 6px 0; white-space: pre-wrap; color: #111827; }',
    '.src-main { flex: 1; min-width: 0; display: flex; flex-direction: column; }',
    '.src-sub { color: #4b5563; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }',
    '.src-open { display: inline-flex; align-items: center; gap: 4px; margin: 6px 0 0; color: var(--accent) !important; font-size: 12px; text-decoration: none; }',
    '.src-open:hover { text-decoration: underline; }',
    '.stop { flex: none; display: inline-flex; align-items: center; gap: 5px; height: 34px; padding: 0 12px; border: 1px solid #d1d5db; border-radius: 10px; background: #fff; color: #b42318 !important; font-size: 14px; }',
    '.stop[hidden] { display: none; }',
    '.stopped .answer { color: var(--muted); }',
    '.convs { flex: 1; overflow-y: auto; padding: 12px 14px; background: var(--bg-soft); }',
    '.convs[hidden] { display: none; }',
    '.convs-label { margin: 0 0 10px; font-size: 13px; color: var(--muted); display: flex; justify-content: space-between; align-items: center; }',
    '.conv { display: flex; align-items: center; gap: 6px; padding: 8px 10px; margin: 0 0 8px; background: #fff; border: 1px solid var(--line); border-radius: 10px; }',
    '.conv.current { border-color: #c7d4fb; box-shadow: 0 0 0 3px rgba(29, 78, 216, .08); }',
    '.conv-open { flex: 1; min-width: 0; border: 0; background: transparent; text-align: left; padding: 2px 0; font-size: 14px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }',
    '.conv-open small { display: block; color: var(--muted); font-size: 11px; }',
    '.conv-act { flex: none; border: 1px solid var(--line); background: #fff; border-radius: 7px; padding: 2px 7px; font-size: 12px; color: #374151 !important; }',
    '.conv-act:hover { background: var(--bg-soft); }',
    '.conv-act.danger { color: #b42318 !important; }',
    '.conv-name { flex: 1; min-width: 0; border: 1px solid var(--accent); border-radius: 7px; padding: 3px 6px; font: inherit; font-size: 14px; }',
    '.link-btn { border: 0; background: transparent; color: var(--accent) !important; font-size: 13px; padding: 0; }',
    '.flash { animation: pq-flash 1s ease-out; }',
    '@keyframes pq-flash { from { box-shadow: 0 0 0 4px rgba(29, 78, 216, .35); } to { box-shadow: 0 0 0 3px rgba(29, 78, 216, .08); } }',

    /* suggestions */
    '.suggest { margin-top: 10px; }',
    '.suggest-label { font-size: 12px; color: var(--muted); margin: 0 0 6px; }',
    '.sugg { display: block; width: 100%; text-align: left; margin: 0 0 6px; padding: 7px 10px; border-radius: 10px; border: 1px solid #c7d4fb;',
    '  background: #fff; color: var(--accent) !important; font-size: 13px; line-height: 1.45; }',
    '.sugg:hover { background: var(--accent-soft); }',

    /* feedback */
    '.tools { display: flex; align-items: center; gap: 4px; margin-top: 8px; color: var(--muted); font-size: 12px; }',
    '.fb { display: inline-flex; align-items: center; justify-content: center; width: 28px; height: 26px; border-radius: 7px; border: 1px solid transparent; background: transparent; color: #9ca3af !important; }',
    '.fb:hover:not(:disabled) { background: var(--bg-soft); color: var(--ink) !important; }',
    '.fb[aria-pressed="true"] { color: var(--accent) !important; background: var(--accent-soft); }',
    '.fb:disabled { cursor: default; }',
    '.fb-note { margin-left: 4px; }',
    '.retry { margin-top: 8px; padding: 4px 12px; border-radius: 8px; border: 1px solid var(--line); background: #fff; font-size: 13px; }',

    /* composer */
    '.foot { flex: none; border-top: 1px solid var(--line); background: var(--bg); padding: 10px 12px calc(8px + env(safe-area-inset-bottom, 0px)); }',
    '.composer { display: flex; align-items: flex-end; gap: 8px; padding: 6px 6px 6px 12px; border: 1px solid #d1d5db; border-radius: 14px; background: #fff; transition: border-color .15s, box-shadow .15s; }',
    '.composer:focus-within { border-color: var(--accent); box-shadow: 0 0 0 3px rgba(29, 78, 216, .12); }',
    '.input { flex: 1; min-width: 0; resize: none; border: 0; padding: 6px 0; max-height: 120px; min-height: 24px; height: 36px; line-height: 1.5; background: transparent; font-size: 14px; outline: none !important; }',
    '.input::placeholder { color: #9ca3af; }',
    '.send { flex: none; display: inline-flex; align-items: center; gap: 5px; height: 34px; padding: 0 14px; border: 0; border-radius: 10px; background: var(--accent); color: #fff !important; font-size: 14px; font-weight: 500; }',
    '.send:hover:not(:disabled) { background: var(--accent-dark); }',
    '.send:disabled { background: #c5cbd6; cursor: not-allowed; }',
    '.send[hidden] { display: none; }',
    '.note { margin: 6px 2px 0; font-size: 11px; color: #9ca3af; text-align: center; }',

    /* phones: the panel takes the whole screen */
    '@media (max-width: 480px) {',
    '  .panel, .left .panel { left: 0; right: 0; top: 0; bottom: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; border: 0; }',
    '  .is-open .launcher { display: none; }',
    '  .input { font-size: 16px; }',
    '  .bubble { max-width: 92%; }',
    '}',
    '@media (prefers-reduced-motion: reduce) { .pq *, .pq *::before, .pq *::after { animation: none !important; transition: none !important; scroll-behavior: auto !important; } }'
  ].join('\n');

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

  // ------------------------------------------------------------------ messages
  function welcome() {
    ui.log.appendChild(h('div', { 'class': 'msg bot welcome' }, [
      h('div', { 'class': 'bubble' }, [h('div', { 'class': 'answer', text: TEXT.welcome })])
    ]));
  }

  function addUser(question) {
    ui.log.appendChild(h('div', { 'class': 'msg user' }, [
      h('span', { 'class': 'sr', text: TEXT.you + '：' }),
      h('div', { 'class': 'bubble', text: question })
    ]));
    scrollDown(true);
  }

  function addBot() {
    var text = h('div', { 'class': 'answer' }, [
      h('span', { 'class': 'pending' }, [h('span', { 'class': 'dots', 'aria-hidden': 'true' }, [h('i'), h('i'), h('i')]), TEXT.searching])
    ]);
    var bubble = h('div', { 'class': 'bubble', 'aria-busy': 'true' }, [text]);
    var msg = h('div', { 'class': 'msg bot' }, [h('span', { 'class': 'sr', text: TEXT.assistant + '：' }), bubble]);
    ui.log.appendChild(msg);
    scrollDown(true);
    var streamed = '';
    var textNode = null;
    return {
      msg: msg,
      bubble: bubble,
      text: text,
      append: function (piece) {
        if (!textNode) {
          text.textContent = '';
          textNode = document.createTextNode('');
          text.appendChild(textNode);
          text.appendChild(h('span', { 'class': 'caret', 'aria-hidden': 'true' }));
        }
        streamed += piece;
        textNode.data = streamed;
        keepTopInView(msg, false);
      },
      streamedText: function () { return streamed; },
      stage: function (label) {
        if (textNode || !label) return; // the answer has started: stages are over
        var pending = text.querySelector('.pending');
        if (pending) pending.lastChild.data = label;
      }
    };
  }

  function renderAnswer(bot, question, result) {
    var citations = Array.isArray(result.citations) ? result.citations : [];
    var byN = {};
    citations.forEach(function (c) { if (c && c.n != null) byN[String(c.n)] = c; });
    var declined = !!result.declined;
    var answerText = typeof result.answer === 'string' ? result.answer : '';
    bot.bubble.removeAttribute('aria-busy');
    if (declined) bot.msg.classList.add('declined');
    bot.text.textContent = '';

    var sourceItems = {};
    var chipsByN = {};

    function reveal(n, fromChip) {
      var item = sourceItems[n];
      if (!item) return;
      var opening = item.body.hidden;
      Object.keys(sourceItems).forEach(function (k) { setOpen(k, false); });
      if (opening) {
        setOpen(n, true);
        item.el.classList.remove('flash');
        void item.el.offsetWidth; // restart the highlight animation
        item.el.classList.add('flash');
        if (fromChip && item.el.scrollIntoView) item.el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      }
    }
    function setOpen(n, on) {
      var item = sourceItems[n];
      item.body.hidden = !on;
      item.el.classList.toggle('open', on);
      item.head.setAttribute('aria-expanded', on ? 'true' : 'false');
      (chipsByN[n] || []).forEach(function (chip) { chip.setAttribute('aria-expanded', on ? 'true' : 'false'); });
    }

    // the answer, with [n] markers turned into chips
    var re = /\[(\d{1,3})\]/g;
    var last = 0;
    var m;
    while ((m = re.exec(answerText)) !== null) {
      var n = m[1].replace(/^0+(?=\d)/, '');
      if (declined || !byN[n]) continue;
      if (m.index > last) bot.text.appendChild(document.createTextNode(answerText.slice(last, m.index)));
      var c = byN[n];
      var chip = h('button', {
        type: 'button', 'class': 'chip', 'data-n': n, 'aria-label': TEXT.sourceLabel(n, c.title),
        'aria-expanded': 'false', 'aria-controls': 'pq-src-' + bot.id + '-' + n, title: c.title ? '《' + c.title + '》' : null,
        on: { click: (function (k) { return function () { reveal(k, true); }; })(n) }
      }, [n]);
      (chipsByN[n] = chipsByN[n] || []).push(chip);
      bot.text.appendChild(chip);
      last = re.lastIndex;
    }
    if (last < answerText.length) bot.text.appendChild(document.createTextNode(answerText.slice(last)));

    // a curated answer: 「已审核」 with who approved it and when (English for an English question)
    var reviewed = result.reviewed;
    if (!declined && reviewed && typeof reviewed === 'object') {
      var english = !/[\u3400-\u9fff]/.test(question || '');
      var when = String(reviewed.at || '').slice(0, 16).replace('T', ' ');
      bot.bubble.appendChild(h('p', { 'class': 'reviewed' }, [
        h('span', { 'class': 'reviewed-badge', text: english ? 'Reviewed' : TEXT.reviewed }),
        h('span', { text: ' ' + (english ? 'approved by ' : TEXT.reviewedBy) + String(reviewed.by || '') + ' · ' + when })
      ]));
    }

    // the cited passages, collapsed until a chip (or the source row) is clicked
    if (!declined && citations.length) {
      var list = h('div', { 'class': 'sources', role: 'group', 'aria-label': TEXT.sources },
        [h('p', { 'class': 'sources-label', text: TEXT.sources + '（' + citations.length + '）' })]);
      citations.forEach(function (c) {
        if (!c || c.n == null) return;
        var key = String(c.n);
        if (sourceItems[key]) return;
        var bodyId = 'pq-src-' + bot.id + '-' + key;
        var title = c.title || TEXT.untitled;
        var meta = [c.heading, c.date, c.page ? TEXT.page(c.page) : ''].filter(Boolean).join(' · ');
        var url = sourceUrl(c);
        var body = h('div', { 'class': 'src-body', id: bodyId, hidden: true }, [
          h('p', { 'class': 'src-meta' }, [h('strong', { text: '《' + title + '》' }), meta ? '  ' + meta : '']),
          h('blockquote', { 'class': 'quote', text: c.quote || '' }),
          url ? h('a', { 'class': 'src-open', href: url, target: '_blank', rel: 'noopener' }, [icon('doc', 13), TEXT.openSource]) : null
        ]);
        var section = String(c.heading || '').split(' › ').pop();
        var head = h('button', {
          type: 'button', 'class': 'src-head', 'aria-expanded': 'false', 'aria-controls': bodyId,
          on: { click: function () { reveal(key, false); } }
        }, [
          h('span', { 'class': 'src-n', text: key }),
          h('span', { 'class': 'src-main' }, [
            h('span', { 'class': 'src-title', text: '《' + title + '》' }),
            (section || c.date) ? h('span', { 'class': 'src-sub', text: [section, c.date].filter(Boolean).join(' · ') }) : null
          ])
        ]);
        var el = h('div', { 'class': 'src', 'data-n': key }, [head, body]);
        sourceItems[key] = { el: el, head: head, body: body };
        list.appendChild(el);
      });
      bot.bubble.appendChild(list);
    }

    // a declined answer: suggested questions to ask instead
    var suggestions = Array.isArray(result.suggestions) ? result.suggestions.filter(function (s) {
      return typeof s === 'string' && s.trim();
    }) : [];
    if (declined && suggestions.length) {
      var box = h('div', { 'class': 'suggest' }, [h('p', { 'class': 'suggest-label', text: TEXT.suggestions })]);
      suggestions.slice(0, 5).forEach(function (s) {
        box.appendChild(h('button', { type: 'button', 'class': 'sugg', on: { click: function () { ask(s); } } }, [s]));
      });
      bot.bubble.appendChild(box);
    }

    bot.bubble.appendChild(feedbackBar(question, result));
    keepTopInView(bot.msg, true);
  }

  function feedbackBar(question, result) {
    var note = h('span', { 'class': 'fb-note', role: 'status' });
    var buttons = [];
    function rate(rating, button) {
      buttons.forEach(function (b) { b.disabled = true; b.setAttribute('aria-pressed', b === button ? 'true' : 'false'); });
      request('api/feedback', {
        answer_id: result.answer_id || '',
        question: question,
        answer: result.answer || '',
        citations: Array.isArray(result.citations) ? result.citations : [],
        declined: !!result.declined,
        rating: rating,
        comment: '',
        kb: result.kb || null
      }).then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        note.textContent = TEXT.thanks;
      }).catch(function () {
        note.textContent = TEXT.feedbackFailed;
        buttons.forEach(function (b) { b.disabled = false; b.setAttribute('aria-pressed', 'false'); });
      });
    }
    var up = h('button', { type: 'button', 'class': 'fb fb-up', 'aria-label': TEXT.helpful, title: TEXT.helpful, 'aria-pressed': 'false' },
      [icon('up', 15)]);
    var down = h('button', { type: 'button', 'class': 'fb fb-down', 'aria-label': TEXT.unhelpful, title: TEXT.unhelpful, 'aria-pressed': 'false' },
      [icon('down', 15)]);
    up.addEventListener('click', function () { rate('up', up); });
    down.addEventListener('click', function () { rate('down', down); });
    buttons = [up, down];
    return h('div', { 'class': 'tools' }, [up, down, note]);
  }

  function renderError(bot, message, question) {
    bot.bubble.removeAttribute('aria-busy');
    bot.msg.classList.add('error');
    bot.text.textContent = TEXT.error + message;
    if (question) {
      bot.bubble.appendChild(h('button', { type: 'button', 'class': 'retry', on: { click: function () {
        bot.msg.parentNode && bot.msg.parentNode.removeChild(bot.msg);
        var lastTurn = turns[turns.length - 1];
        if (lastTurn && lastTurn.q === question && !lastTurn.result) turns.pop(); // replaced by the retry
        ask(question, true);
      } } }, [TEXT.retry]));
    }
    scrollDown(false);
  }

  // ------------------------------------------------------------------ network
  function request(path, body, signal) {
    var headers = { 'Content-Type': 'application/json', Accept: path === 'api/ask/stream' ? 'text/event-stream' : 'application/json' };
    if (TOKEN) headers.Authorization = 'Bearer ' + TOKEN;
    if (KB && path.indexOf('api/ask') === 0) body = Object.assign({}, body, { kb: KB });
    return fetch(BASE + path, {
      method: 'POST', headers: headers, body: JSON.stringify(body), mode: 'cors',
      credentials: 'omit', cache: 'no-store', signal: signal
    });
  }

  function ApiError(message, fatal) {
    this.message = message;
    this.fatal = fatal; // true: retrying through the other endpoint would not help
  }

  async function errorOf(res) {
    var message = '';
    try {
      var j = await res.json();
      message = j && (j.error || j.detail);
      if (typeof message !== 'string') message = message ? JSON.stringify(message) : '';
    } catch (e) { /* not JSON */ }
    if (res.status === 401) return new ApiError(TEXT.unauthorized, true);
    if (res.status === 403) return new ApiError(message || TEXT.forbidden, true);
    var fatal = res.status >= 400 && res.status < 500 && res.status !== 404 && res.status !== 405 && res.status !== 408;
    return new ApiError(message || ('HTTP ' + res.status), fatal);
  }

  function parseEvent(block) {
    var event = 'message';
    var dataLines = [];
    block.split(/\r\n|\r|\n/).forEach(function (line) {
      if (!line || line.charAt(0) === ':') return;
      var i = line.indexOf(':');
      var field = i < 0 ? line : line.slice(0, i);
      var value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') dataLines.push(value);
    });
    if (!dataLines.length) return null;
    var payload;
    try { payload = JSON.parse(dataLines.join('\n')); } catch (e) { payload = {}; }
    return { event: event, data: payload };
  }

  // Streams an answer into `bot`; resolves to the final answer JSON.
  async function askStream(body, signal, bot) {
    var res = await request('api/ask/stream', body, signal);
    if (!res.ok) throw await errorOf(res);
    if (!res.body || !res.body.getReader) throw new ApiError('streaming unsupported', false);
    var reader = res.body.getReader();
    var decoder = new TextDecoder('utf-8');
    var buffer = '';
    var final = null;
    for (;;) {
      var step = await reader.read();
      if (step.done) buffer += decoder.decode();
      else buffer += decoder.decode(step.value, { stream: true });
      var parts = buffer.split(/\r\n\r\n|\n\n|\r\r/);
      buffer = step.done ? '' : parts.pop();
      for (var i = 0; i < parts.length; i++) {
        var ev = parseEvent(parts[i]);
        if (!ev) continue;
        if (ev.event === 'stage' && typeof ev.data.label === 'string') bot.stage(ev.data.label);
        else if (ev.event === 'token' && typeof ev.data.text === 'string') bot.append(ev.data.text);
        else if (ev.event === 'answer') final = ev.data;
        else if (ev.event === 'error') {
          try { reader.cancel(); } catch (e) { /* ignore */ }
          throw new ApiError(String(ev.data.error || 'error'), true);
        } else if (ev.event === 'done' && final) {
          return final; // the server closes the stream after "done"
        }
      }
      if (step.done) break;
    }
    if (final) return final;
    throw new ApiError('the stream ended without an answer', false);
  }

  async function askPlain(body, signal) {
    var res = await request('api/ask', body, signal);
    if (!res.ok) throw await errorOf(res);
    return res.json();
  }

  // A request the browser could not complete: a network fault, or this page's origin refused by
  // the server (whose answer the browser hides from the page). The status route says which.
  async function originRefused() {
    try {
      var res = await fetch(BASE + 'widget/status', { mode: 'cors', credentials: 'omit', cache: 'no-store' });
      var j = await res.json();
      return !!j && j.origin_allowed === false;
    } catch (e) { return false; }
  }

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

  function renderStopped(bot) {
    bot.bubble.removeAttribute('aria-busy');
    bot.msg.classList.add('stopped');
    var partial = bot.streamedText();
    bot.text.textContent = partial ? partial + '\n' + TEXT.stopped : TEXT.stopped;
  }

  function clearLog() {
    while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
    welcome();
  }

  // A citation's document view (citations[].url is server-relative), as an absolute http(s) URL.
  function sourceUrl(c) {
    if (!c || typeof c.url !== 'string' || !c.url) return '';
    try {
      var u = new URL(c.url, BASE);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
    } catch (e) { return ''; }
  }

  // ------------------------------------------------------------------ conversations (this browser only)
  var STORE_KEY = 'policyqa-widget:' + BASE;
  var MAX_CONVERSATIONS = 30;
  var MAX_TURNS = 40;
  var convId = null;   // id of the conversation on screen (null: not saved yet)
  var turns = [];      // its turns: {q, result} | {q, error} | {q, stopped}

  function loadStore() {
    try {
      var v = JSON.parse(window.localStorage.getItem(STORE_KEY) || 'null');
      if (v && typeof v === 'object' && v.convs && typeof v.convs === 'object') return v;
    } catch (e) { /* blocked or damaged: start afresh */ }
    return { current: null, convs: {} };
  }

  function writeStore(st) {
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(st)); } catch (e) { /* full or blocked */ }
  }

  // What a turn keeps of an answer: enough to show it again (not the retrieved passages).
  function storable(result) {
    return {
      answer: result.answer, declined: !!result.declined, answer_id: result.answer_id || '',
      reviewed: result.reviewed || null, kb: result.kb || null,
      suggestions: result.suggestions || [], citations: (result.citations || []).map(function (c) {
        return { n: c.n, title: c.title, quote: c.quote, date: c.date, heading: c.heading, page: c.page, url: c.url };
      })
    };
  }

  function titleOf(list) {
    var q = list.length ? String(list[0].q).replace(/\s+/g, ' ').trim() : '';
    return q.length > 24 ? q.slice(0, 24) + '…' : (q || TEXT.newTitle);
  }

  function saveTurn(turn) {
    var st = loadStore();
    if (!convId || !st.convs[convId]) {
      convId = 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
    }
    turns.push(turn);
    if (turns.length > MAX_TURNS) turns = turns.slice(-MAX_TURNS);
    var old = st.convs[convId] || {};
    st.convs[convId] = { title: old.renamed ? old.title : titleOf(turns), renamed: !!old.renamed,
      updated: Date.now(), turns: turns };
    st.current = convId;
    var ids = Object.keys(st.convs).sort(function (a, b) { return st.convs[b].updated - st.convs[a].updated; });
    ids.slice(MAX_CONVERSATIONS).forEach(function (id) { delete st.convs[id]; });
    writeStore(st);
  }

  function showConversation(id) {
    var conv = loadStore().convs[id];
    if (!conv) return;
    convId = id;
    turns = Array.isArray(conv.turns) ? conv.turns.slice() : [];
    history = [];
    clearLog();
    turns.forEach(function (t) {
      addUser(t.q);
      var bot = addBot();
      bot.id = ++counter;
      if (t.result) {
        renderAnswer(bot, t.q, t.result);
        history.push({ role: 'user', content: t.q });
        if (t.result.answer) history.push({ role: 'assistant', content: String(t.result.answer).slice(0, 20000) });
      } else if (t.stopped) {
        renderStopped(bot);
      } else {
        renderError(bot, t.error || TEXT.network, null);
      }
    });
    if (history.length > MAX_HISTORY) history = history.slice(-MAX_HISTORY);
    var st = loadStore();
    st.current = id;
    writeStore(st);
    scrollDown(true);
  }

  function restoreCurrent() {
    var st = loadStore();
    if (st.current && st.convs[st.current]) showConversation(st.current);
  }

  function showLog() {
    ui.convs.hidden = true;
    ui.log.hidden = false;
    ui.log.style.display = '';
  }

  function toggleHistory() {
    if (ui.convs.hidden) {
      renderHistory();
      ui.convs.hidden = false;
      ui.log.style.display = 'none';
    } else {
      showLog();
    }
  }

  function stamp(ms) {
    var d = new Date(ms || Date.now());
    var p = function (x) { return (x < 10 ? '0' : '') + x; };
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes());
  }

  function renderHistory() {
    var st = loadStore();
    while (ui.convs.firstChild) ui.convs.removeChild(ui.convs.firstChild);
    ui.convs.appendChild(h('p', { 'class': 'convs-label' }, [
      h('span', { text: TEXT.historyTitle }),
      h('button', { type: 'button', 'class': 'link-btn back', on: { click: showLog } }, [TEXT.back])
    ]));
    var ids = Object.keys(st.convs).sort(function (a, b) { return st.convs[b].updated - st.convs[a].updated; });
    if (!ids.length) ui.convs.appendChild(h('p', { 'class': 'convs-label', text: TEXT.noHistory }));
    ids.forEach(function (id) {
      var conv = st.convs[id];
      var openBtn = h('button', { type: 'button', 'class': 'conv-open', title: conv.title,
        on: { click: function () { if (!busy) { showLog(); showConversation(id); } } } },
        [String(conv.title || TEXT.newTitle), h('small', { text: stamp(conv.updated) + ' · ' + (conv.turns || []).length + ' 问' })]);
      var row = h('div', { 'class': 'conv' + (id === convId ? ' current' : ''), 'data-id': id }, [openBtn]);
      row.appendChild(h('button', { type: 'button', 'class': 'conv-act rename', on: { click: function () { startRename(row, id, conv); } } }, [TEXT.rename]));
      row.appendChild(h('button', { type: 'button', 'class': 'conv-act export', title: TEXT.exportLabel, 'aria-label': TEXT.exportLabel,
        on: { click: function () { exportMarkdown(conv); } } }, [TEXT.exportMd]));
      row.appendChild(h('button', { type: 'button', 'class': 'conv-act danger delete', on: { click: function () { removeConversation(id); } } }, [TEXT.remove]));
      ui.convs.appendChild(row);
    });
  }

  function startRename(row, id, conv) {
    var input = h('input', { 'class': 'conv-name', type: 'text', maxlength: '60', 'aria-label': TEXT.rename });
    input.value = conv.title || '';
    var done = false;
    var commit = function () {
      if (done) return;
      done = true;
      var name = input.value.replace(/\s+/g, ' ').trim().slice(0, 60);
      var st = loadStore();
      if (name && st.convs[id]) { st.convs[id].title = name; st.convs[id].renamed = true; writeStore(st); }
      renderHistory();
    };
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); commit(); }
      else if (e.key === 'Escape') { e.stopPropagation(); done = true; renderHistory(); }
    });
    input.addEventListener('blur', commit);
    row.replaceChild(input, row.firstChild);
    input.focus();
    input.select();
  }

  function removeConversation(id) {
    var st = loadStore();
    delete st.convs[id];
    if (st.current === id) st.current = null;
    writeStore(st);
    if (id === convId) { convId = null; turns = []; history = []; clearLog(); }
    renderHistory();
  }

  function conversationMarkdown(conv) {
    var lines = ['# ' + (conv.title || TEXT.newTitle), '', TEXT.exported + stamp(Date.now()), ''];
    (conv.turns || []).forEach(function (t) {
      lines.push('## 问：' + t.q, '');
      if (t.result) {
        lines.push(String(t.result.answer || ''), '');
        var cites = t.result.declined ? [] : (t.result.citations || []);
        if (cites.length) {
          lines.push('**' + TEXT.sources + '**', '');
          cites.forEach(function (c) {
            var where = [c.heading, c.date].filter(Boolean).join(' · ');
            var url = sourceUrl(c);
            lines.push(c.n + '. 《' + (c.title || TEXT.untitled) + '》' + (where ? '（' + where + '）' : '') + '：“' +
              String(c.quote || '').replace(/\s+/g, ' ').trim() + '”' + (url ? ' <' + url + '>' : ''));
          });
          lines.push('');
        }
      } else {
        lines.push('> ' + (t.stopped ? TEXT.stopped : TEXT.error + (t.error || '')), '');
      }
    });
    return lines.join('\n').replace(/\s+$/, '') + '\n';
  }

  function exportMarkdown(conv) {
    var blob = new Blob([conversationMarkdown(conv)], { type: 'text/markdown;charset=utf-8' });
    var a = h('a', { href: URL.createObjectURL(blob), download: String(conv.title || TEXT.newTitle).replace(/[\\/:*?"<>|\s]+/g, '_').slice(0, 40) + '.md' });
    ui.convs.appendChild(a);
    a.click();
    ui.convs.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }

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
