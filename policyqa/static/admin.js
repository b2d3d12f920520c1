/* policyqa admin console (/admin). Plain JS, no dependencies. Every document-derived string is
   put in the page with textContent (never innerHTML). The token (the admin token, or an access
   key with manage on some base) is kept in sessionStorage and sent as Authorization: Bearer; it
   never appears in a URL. Every list, the hit test and the unresolved questions are of the base
   chosen in the selector (the bases the token may manage, from /api/kb). */
(function () {
  'use strict';
  var KEY = 'policyqa-admin-token';
  var $ = function (id) { return document.getElementById(id); };
  var docs = [];
  var base = '';  // the chosen knowledge base's name

  // A console route for the chosen base.
  function withKb(path) { return path + (path.indexOf('?') < 0 ? '?' : '&') + 'kb=' + encodeURIComponent(base); }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'on') Object.keys(attrs.on).forEach(function (ev) { e.addEventListener(ev, attrs.on[ev]); });
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function token() { return sessionStorage.getItem(KEY) || ''; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function say(id, text) { $(id).textContent = text || ''; }

  // What a failed call means for the admin, in Chinese.
  function problem(status, body) {
    var msg = body && typeof body.error === 'string' ? body.error : '';
    if (status === 401) return '管理令牌错误，请重新输入。';
    if (status === 403 && /[\u3400-\u9fff]/.test(msg) && msg.indexOf('管理未') < 0) return msg;
    if (status === 403) return '文档管理未启用：服务器未设置 POLICYQA_ADMIN_TOKEN，设置后重启服务即可使用控制台。';
    if (status === 413) return /[\u3400-\u9fff]/.test(msg) ? msg : '上传内容过大：单个文件不超过 50 MiB，一次合计不超过 52 MiB，请分批上传。';
    if (status === 429) return '操作过于频繁，请稍等片刻再试。';
    if (status === 503) return '知识库服务暂时无法连接，请稍后再试；可在 /api/health 查看各项依赖的状态。';
    if (status === 0) return '无法连接服务器，请检查服务是否在运行。';
    if (/[\u3400-\u9fff]/.test(msg)) return msg;
    return '操作未完成（HTTP ' + status + '），请稍后重试；如仍失败，请查看服务器日志。';
  }

  function call(method, path, body) {
    var init = { method: method, headers: { 'Authorization': 'Bearer ' + token() }, cache: 'no-store' };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) { var err = new Error(problem(res.status, data)); err.status = res.status; err.data = data; throw err; }
        return data;
      });
    }, function () { throw new Error(problem(0)); });
  }

  // ------------------------------------------------------------------ login
  function showConsole(on) {
    $('login').hidden = on;
    $('console').hidden = !on;
    $('logout').hidden = !on;
  }
  function login() {
    var t = $('token').value.trim();
    if (!t) { say('login-error', '请输入管理令牌。'); return; }
    sessionStorage.setItem(KEY, t);
    start();
  }
  function start() {
    say('login-error', '');
    // The bases this token may manage; the console works on one at a time.
    call('GET', '/api/kb').then(function (bases) {
      var mine = bases.filter(function (b) { return b.roles.indexOf('manage') >= 0; });
      if (!mine.length) { var e = new Error('此令牌没有可管理的知识库：请使用管理令牌，或带 manage 权限的访问密钥。'); throw e; }
      var select = $('kb');
      clear(select);
      mine.forEach(function (b) { select.appendChild(el('option', { value: b.name, text: b.name + (b['default'] ? '（默认）' : '') })); });
      var kept = sessionStorage.getItem(KEY + '-kb');
      var chosen = mine.filter(function (b) { return b.name === kept; })[0] || mine.filter(function (b) { return b['default']; })[0] || mine[0];
      select.value = base = chosen.name;
      return call('GET', withKb('/api/admin/settings'));
    }).then(function () {
      $('token').value = '';
      $('kb-name').hidden = false;
      showConsole(true);
      loadDocs();
    }, function (e) {
      sessionStorage.removeItem(KEY);
      showConsole(false);
      say('login-error', e.message);
    });
  }
  $('kb').addEventListener('change', function () {
    base = $('kb').value;
    sessionStorage.setItem(KEY + '-kb', base);
    say('docs-ok', ''); say('docs-error', ''); clear($('upload-results'));
    $('hit-result').hidden = true; say('hit-error', '');
    loadDocs();
    if (!$('panel-unresolved').hidden) loadUnresolved();
    if (!$('panel-curated').hidden) loadCurated();
  });
  $('login-button').addEventListener('click', login);
  $('token').addEventListener('keydown', function (e) { if (e.key === 'Enter') login(); });
  $('logout').addEventListener('click', function () { sessionStorage.removeItem(KEY); $('kb-name').hidden = true; showConsole(false); });

  // ------------------------------------------------------------------ tabs
  var TABS = { 'tab-docs': 'panel-docs', 'tab-hit': 'panel-hit', 'tab-unresolved': 'panel-unresolved', 'tab-curated': 'panel-curated' };
  Object.keys(TABS).forEach(function (id) {
    $(id).addEventListener('click', function () {
      Object.keys(TABS).forEach(function (other) {
        $(other).setAttribute('aria-selected', String(other === id));
        $(TABS[other]).hidden = other !== id;
      });
      if (id === 'tab-unresolved') loadUnresolved();
      if (id === 'tab-curated') loadCurated();
      if (id === 'tab-hit') $('hit-question').focus();
    });
  });

  // ------------------------------------------------------------------ confirmation
  function confirmFirst(text) {
    return new Promise(function (resolve) {
      var dialog = $('confirm');
      $('confirm-text').textContent = text;
      var done = function (answer) {
        $('confirm-yes').onclick = $('confirm-no').onclick = null;
        dialog.onclose = null;
        if (dialog.open) dialog.close();
        resolve(answer);
      };
      $('confirm-yes').onclick = function () { done(true); };
      $('confirm-no').onclick = function () { done(false); };
      dialog.onclose = function () { done(false); };
      dialog.showModal();
      $('confirm-no').focus();
    });
  }

  // ------------------------------------------------------------------ documents
  function loadDocs() {
    say('docs-error', '');
    return call('GET', withKb('/api/admin/documents')).then(function (data) {
      docs = data.documents || [];
      renderDocs();
    }, function (e) { say('docs-error', e.message); });
  }

  function renderDocs() {
    var q = $('doc-search').value.trim().toLowerCase();
    var body = $('docs').tBodies[0];
    clear(body);
    var shown = docs.filter(function (d) {
      return !q || [d.title, d.number, d.issuer, d.region, d.date, d.doc].join(' ').toLowerCase().indexOf(q) >= 0;
    });
    shown.forEach(function (d) {
      body.appendChild(el('tr', { 'data-doc': d.doc }, [
        el('td', { text: d.title, title: d.doc }), el('td', { text: d.number }), el('td', { 'class': 'date', text: d.date }),
        el('td', { text: d.issuer }), el('td', { text: d.region }), el('td', { 'class': 'num', text: String(d.chunks) }),
        el('td', { 'class': 'actions' }, [
          el('button', { type: 'button', 'class': 'reindex', text: '重建索引', on: { click: function () { reindex(d); } } }),
          el('button', { type: 'button', 'class': 'danger delete', text: '删除', on: { click: function () { remove(d); } } })
        ])
      ]));
    });
    var chunks = docs.reduce(function (n, d) { return n + d.chunks; }, 0);
    $('doc-count').textContent = (q ? '显示 ' + shown.length + ' / ' : '共 ') + docs.length + ' 份文档 · ' + chunks + ' 个段落';
  }
  $('doc-search').addEventListener('input', renderDocs);
  $('refresh').addEventListener('click', function () { say('docs-ok', ''); loadDocs(); });

  function remove(d) {
    confirmFirst('确定删除《' + d.title + '》吗？将从知识库移除它的全部 ' + d.chunks + ' 个段落和保存的原件，此操作无法撤销。')
      .then(function (yes) {
        if (!yes) return;
        say('docs-ok', ''); say('docs-error', '');
        call('DELETE', withKb('/api/admin/documents/' + encodeURIComponent(d.doc))).then(function (r) {
          say('docs-ok', r.message); loadDocs();
        }, function (e) { say('docs-error', e.message); loadDocs(); });
      });
  }

  function reindex(d) {
    confirmFirst('确定重建《' + d.title + '》的索引吗？将按保存的原件重新读取、切分并写入（现有 ' + d.chunks + ' 个段落）。')
      .then(function (yes) {
        if (!yes) return;
        say('docs-ok', ''); say('docs-error', '');
        say('docs-ok', '正在重建《' + d.title + '》…');
        call('POST', withKb('/api/admin/documents/' + encodeURIComponent(d.doc) + '/reindex')).then(function (r) {
          say('docs-ok', r.message); loadDocs();
        }, function (e) { say('docs-ok', ''); say('docs-error', e.message); loadDocs(); });
      });
  }

  $('files').addEventListener('change', function () {
    var names = Array.prototype.map.call($('files').files, function (f) { return f.name; });
    $('picked').textContent = names.length ? '已选择 ' + names.length + ' 个文件：' + names.join('、') : '未选择文件';
  });

  // Upload with progress (XMLHttpRequest reports the bytes sent; indexing follows on the server).
  $('upload').addEventListener('click', function () {
    var files = $('files').files;
    say('upload-error', '');
    clear($('upload-results'));
    if (!files || !files.length) { say('upload-error', '请先选择要上传的文件。'); return; }
    var form = new FormData();
    for (var i = 0; i < files.length; i++) form.append('files', files[i], files[i].name);
    var xhr = new XMLHttpRequest();
    var bar = $('progress');
    bar.hidden = false; bar.value = 0;
    $('upload').disabled = true;
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      bar.value = Math.round(100 * e.loaded / e.total);
      say('progress-text', e.loaded < e.total ? '上传中… ' + bar.value + '%' : '上传完成，正在读取和索引…');
    };
    xhr.onload = function () {
      var data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      $('upload').disabled = false;
      bar.hidden = true;
      say('progress-text', '');
      var results = data.results || [];
      if (!results.length) { say('upload-error', problem(xhr.status, data)); return; }
      results.forEach(function (r) {
        $('upload-results').appendChild(el('li', { 'class': r.status, text: r.message }));
      });
      $('files').value = '';
      $('picked').textContent = '未选择文件';
      loadDocs();
    };
    xhr.onerror = function () {
      $('upload').disabled = false; bar.hidden = true; say('progress-text', '');
      say('upload-error', problem(0));
    };
    xhr.open('POST', withKb('/api/admin/documents'));
    xhr.setRequestHeader('Authorization', 'Bearer ' + token());
    xhr.send(form);
  });

  // ------------------------------------------------------------------ 命中测试
  function fmt(x) { return x == null ? '—' : Number(x).toFixed(3); }

  function runHit() {
    var q = $('hit-question').value.trim();
    say('hit-error', '');
    if (!q) { say('hit-error', '请输入要测试的问题。'); return; }
    // The previous result (and the approve card inside it) goes while this one runs: its answer
    // must not be approved for the new question (approve sends the question of the result shown).
    lastHit = null;
    $('hit-result').hidden = true;
    $('hit-run').disabled = true;
    $('hit-run').textContent = '测试中…';
    call('POST', '/api/admin/hit-test', { question: q, kb: base }).then(renderHit, function (e) {
      say('hit-error', e.message);
    }).then(function () { $('hit-run').disabled = false; $('hit-run').textContent = '测试'; });
  }
  $('hit-run').addEventListener('click', runHit);
  $('hit-question').addEventListener('keydown', function (e) { if (e.key === 'Enter') runHit(); });

  function renderHit(r) {
    var d = r.decision;
    var box = $('hit-decision');
    clear(box);
    box.appendChild(el('div', { 'class': 'decision' }, [
      el('span', { 'class': 'badge ' + (d.answered ? 'yes' : 'no'), id: 'hit-verdict', text: d.answered ? '回答' : '拒答' }),
      el('span', { 'class': 'score', text: '判断分数 ' + fmt(d.score) + (d.threshold != null ? '（阈值 ' + fmt(d.threshold) + '）' : '') }),
      el('span', { text: '原因：' + (d.reason || (d.answered ? '证据足以回答（分数达到阈值）' : '—')) })
    ]));
    var retr = Object.keys(r.retrievers).map(function (name) {
      var x = r.retrievers[name];
      return x.label + '：候选 ' + x.candidates + ' 段，前 ' + r.passages.length + ' 段中 ' + x.in_top + ' 段，其中 ' + x.only + ' 段仅由它找到';
    });
    box.appendChild(el('p', { 'class': 'note', text: '检索的问题：' + r.searched }));
    retr.forEach(function (line) { box.appendChild(el('p', { 'class': 'note retriever', text: line })); });
    box.appendChild(el('div', { 'class': 'signals' }, d.signals.map(function (s) {
      return el('span', { 'class': 'chip', text: s.label + ' ' + fmt(s.value) });
    })));
    box.appendChild(el('div', { 'class': 'answer', text: r.answer }));
    // An answer with citations may be approved as the curated answer to this question.
    lastHit = r;
    $('approve-card').hidden = !(d.answered && r.citations.length);
    $('approve-text').value = r.answer;
    say('approve-ok', ''); say('approve-error', '');

    var list = $('hit-passages');
    clear(list);
    if (!r.passages.length) list.appendChild(el('p', { 'class': 'note', text: '没有检索到任何段落。' }));
    r.passages.forEach(function (p) {
      var chip = function (label, x) {
        return el('span', { 'class': 'chip' + (x ? '' : ' off'), text: x ? label + ' 第 ' + x.rank + ' 名 · ' + fmt(x.score) : label + ' 未命中' });
      };
      list.appendChild(el('div', { 'class': 'passage' }, [
        el('div', { 'class': 'head' }, [
          el('span', { 'class': 'rank', text: '#' + p.rank }),
          el('span', { 'class': 'title', text: '《' + p.title + '》' }),
          p.heading ? el('span', { 'class': 'note', text: p.heading }) : null,
          el('span', { 'class': 'chip score', text: '综合分 ' + fmt(p.score) }),
          chip('向量', p.dense), chip('关键词', p.bm25)
        ]),
        el('div', { 'class': 'text', text: p.text })
      ]));
    });
    $('hit-result').hidden = false;
  }

  // ------------------------------------------------------------------ 审核答案 (curated answers)
  var lastHit = null;
  $('approve').addEventListener('click', function () {
    if (!lastHit) return;
    var text = $('approve-text').value.trim();
    say('approve-ok', ''); say('approve-error', '');
    $('approve').disabled = true;
    call('POST', '/api/admin/curated', { question: lastHit.question, kb: base, from_system: true,
                                         answer: text === lastHit.answer ? null : text })
      .then(function (r) { say('approve-ok', r.message + '可在「审核答案」中查看。'); },
            function (e) { say('approve-error', e.message); })
      .then(function () { $('approve').disabled = false; });
  });

  var PROBLEM = { deleted: '引用的文件已删除', replaced: '引用的文件已被替换', moved: '引用的原文已变化' };
  function problemText(p) {
    var i = p.indexOf(': ');
    return (PROBLEM[p.slice(0, i)] || p.slice(0, i)) + '：' + p.slice(i + 2);
  }

  function loadCurated() {
    say('curated-error', '');
    call('GET', withKb('/api/admin/curated')).then(function (r) {
      $('curated-note').textContent = '共 ' + r.curated.length + ' 条审核答案' + (r.flagged ? '，其中 ' + r.flagged + ' 条已失效（不再提供，请重新审核）' : '') +
        '。意思相同的提问优先得到审核答案；在「命中测试」中可批准系统的答案。';
      var body = $('curated').tBodies[0];
      clear(body);
      if (!r.curated.length) body.appendChild(el('tr', {}, [el('td', { colspan: '7', 'class': 'note', text: '暂无审核答案。' })]));
      r.curated.forEach(function (c) {
        var cites = c.citations.map(function (x) { return '[' + x.n + '] 《' + x.title + '》' + (x.heading ? ' ' + x.heading : ''); });
        body.appendChild(el('tr', { 'class': c.served ? 'served' : 'flagged', 'data-id': String(c.id) }, [
          el('td', { text: c.question }), el('td', { text: c.answer }), el('td', { 'class': 'note', text: cites.join('；') }),
          el('td', { text: c.approved_by }), el('td', { 'class': 'date', text: c.approved_at.slice(0, 16).replace('T', ' ') }),
          el('td', {}, [el('span', { 'class': 'badge ' + (c.served ? 'yes' : 'flagged'), text: c.served ? '已审核 · 生效' : '已失效' }),
                        c.served ? null : el('div', { 'class': 'note', text: c.problems.map(problemText).join('；') })]),
          el('td', { 'class': 'actions' }, [el('button', { type: 'button', 'class': 'danger', text: '删除', on: { click: function () {
            confirmFirst('确定删除问题「' + c.question + '」的审核答案吗？').then(function (yes) {
              if (!yes) return;
              call('DELETE', withKb('/api/admin/curated/' + c.id)).then(function (x) { say('curated-ok', x.message); loadCurated(); },
                function (e) { say('curated-error', e.message); });
            });
          } } })])
        ]));
      });
    }, function (e) { say('curated-error', e.message); });
  }
  $('curated-refresh').addEventListener('click', function () { say('curated-ok', ''); loadCurated(); });

  // ------------------------------------------------------------------ 未解决的问题
  function loadUnresolved() {
    say('unresolved-error', '');
    call('GET', withKb('/api/admin/unresolved')).then(function (r) {
      $('unresolved-note').textContent = (r.logging
        ? '问题记录已开启：拒答的问题保留 ' + r.days + ' 天，到期自动清除。'
        : '问题记录未开启（设置 POLICYQA_QUESTION_LOG=true 后重启即可记录拒答的问题）；下表只有用户点了「没有帮助」的回答。')
        + ' 共 ' + r.total + ' 条，合并为 ' + r.groups.length + ' 组。';
      var body = $('unresolved').tBodies[0];
      clear(body);
      if (!r.groups.length) {
        body.appendChild(el('tr', {}, [el('td', { colspan: '7', 'class': 'note', text: '暂无未解决的问题。' })]));
      }
      r.groups.forEach(function (g) {
        var others = g.questions.slice(1).map(function (x) { return x.question + (x.count > 1 ? '（' + x.count + '）' : ''); });
        body.appendChild(el('tr', {}, [
          el('td', {}, [el('div', { 'class': 'group-question', text: g.question }),
                        others.length ? el('div', { 'class': 'group-words', text: '相近问法：' + others.join('；') }) : null]),
          el('td', { 'class': 'num count', text: String(g.count) }), el('td', { 'class': 'num', text: String(g.declined) }),
          el('td', { 'class': 'num', text: String(g.down) }), el('td', { text: g.first }), el('td', { text: g.last }),
          el('td', { 'class': 'note', text: g.reasons.join('；') })
        ]));
      });
    }, function (e) { say('unresolved-error', e.message); });
  }
  $('unresolved-refresh').addEventListener('click', loadUnresolved);

  if (token()) start(); else $('token').focus();
})();
