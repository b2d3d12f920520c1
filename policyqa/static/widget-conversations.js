  // ------------------------------------------------------------------ conversations (this browser only)
  // Part of the widget: widget.js names it on its `//= widget-conversations.js` line and the server puts it
  // there (policyqa/widget_bundle.py), in the widget's one function scope.
  // Kept in localStorage, one key per assistant: the store, the history view (open, rename,
  // delete, export: the Markdown itself is conversation-markdown.js's). The server keeps no chat
  // history.

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
        [String(conv.title || TEXT.newTitle), h('small', { text: PolicyQAMarkdown.stamp(conv.updated) + ' · ' + (conv.turns || []).length + ' 问' })]);
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

  // The export itself is the one the chat UI uses too (conversation-markdown.js): the widget hands
  // it the turns as items, each error in the words it showed it with, no document view links.
  function exportMarkdown(conv) {
    var items = [];
    (conv.turns || []).forEach(function (t) {
      items.push({ question: t.q });
      if (t.result) {
        items.push({ answer: t.result.answer || '', declined: !!t.result.declined,
          citations: t.result.citations || [], suggestions: t.result.declined ? (t.result.suggestions || []).slice(0, 5) : [] });
      } else if (t.stopped) {
        items.push({ stopped: true });
      } else {
        items.push({ error: TEXT.error + (t.error || TEXT.network) });
      }
    });
    PolicyQAMarkdown.download({ title: conv.title, items: items }, ui.convs);
  }
