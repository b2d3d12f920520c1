  // ------------------------------------------------------------------ messages
  // Part of the widget: widget.js names it on its `//= widget-messages.js` line and the server puts it
  // there (policyqa/widget_bundle.py), in the widget's one function scope.
  // The log: the welcome, a question, an answer as it streams and once final (text with
  // citation chips, the 「已审核」 mark, sources, suggestions, feedback), an error, a stopped answer.

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
