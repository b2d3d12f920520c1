  // ------------------------------------------------------------------ a conversation as Markdown (one format)
  // The one Markdown export of a conversation, for the chat UI and the widget alike:
  //  - the widget names it on its `//= conversation-markdown.js` line and the server puts it there
  //    (policyqa/widget_bundle.py), in the widget's one function scope;
  //  - the chat UI's page has it in its head (policyqa/ui_assets.py, `launch_options`): there
  //    `PolicyQAMarkdown` is a global, and the 导出 Markdown button hands it the conversation the
  //    server read from the browser's encrypted store (policyqa/ui_conversations.py, `export_data`).
  //
  // The conversation: {title, exported?: 'YYYY-MM-DD HH:MM', items: [...]}, each item one of
  //   {question}                                    a question asked
  //   {answer, declined?, citations?, suggestions?} an answer (or the part of one shown before a stop)
  //   {error}                                       an error, as the chat showed it
  //   {stopped: true}                               the answer was stopped
  // and a citation {n, title, heading, date, page, quote}. Whatever else a caller hands in (a
  // document view link, a file name) is never written: an export names no internal file.
  //
  // The format is the chat UI's (as it was before the two exports were made one):
  //   # title · 导出时间：… · per question `## 问：…`, the answer's text, **来源** with
  //   `n. 《title》（heading · date · 第 p 页）：“quote”`, a declined answer's suggestions as a list.
  // Choices where the two exports differed:
  //  - errors: `> ` and the error as the conversation showed it (the widget passes its own words);
  //  - a stopped answer: whatever of it was shown, then `> 已停止。` (the chat's word);
  //  - suggestions under a declined answer: listed (the widget's export left them out);
  //  - no title: 对话 (heading and file name); a citation without a title: 未命名文档 (the chat's
  //    source cards; its export wrote "None");
  //  - the page is written after section and date, as both source cards show it;
  //  - the time: the chat hands in the server's clock as before (`exported`); without it (the
  //    widget), the browser's;
  //  - no document view links (the widget's export had them: they carry file names).
  //
  // Documents are untrusted, and so is what a user typed: every value is written as plain text —
  // one line (whitespace collapsed; an answer keeps its line breaks), Markdown's and HTML's markup
  // characters backslash-escaped (no link, image, autolink, raw HTML, emphasis, code, table, maths,
  // heading, list or quote made by a value), the answer's citation marks [1] left readable.
  var PolicyQAMarkdown = (function () {
    var FALLBACK_TITLE = '对话';
    var UNTITLED = '未命名文档';
    var STOPPED = '已停止。';

    var MARKUP = /[\\`*_~|<>&[\]!#$^:@]/g;

    // One line of text, plain: markup escaped, nothing a line may start with left to mean something.
    function plainLine(line) {
      return String(line).replace(/^\s+/, '').replace(MARKUP, '\\$&')
        .replace(/\\\[(\d{1,3})\\\](?!\()/g, '[$1]')    // a citation mark stays [1] ([1](…) would link)
        .replace(/\b(www)\./gi, '$1\\.')                 // no www. autolink
        .replace(/^([-+=])/, '\\$1')                     // no list item, setext heading or rule
        .replace(/^(\d+)([.)])/, '$1\\$2');              // no numbered list item
    }

    function inline(value) {
      return plainLine(String(value == null ? '' : value).replace(/\s+/g, ' ').trim());
    }

    function block(value) {
      return String(value == null ? '' : value).trim().split(/\r?\n/).map(function (line) {
        return line.trim() ? plainLine(line) : '';
      }).join('\n');
    }

    function stamp(ms) {
      var d = new Date(ms || Date.now());
      var p = function (x) { return (x < 10 ? '0' : '') + x; };
      return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes());
    }

    function citationLine(c, i) {
      var where = [c.heading, c.date].map(inline).filter(Boolean);
      var page = parseInt(c.page, 10);
      if (c.page != null && c.page !== '' && !isNaN(page)) where.push('第 ' + page + ' 页');
      var n = parseInt(c.n, 10);
      return (isNaN(n) ? i + 1 : n) + '. 《' + (inline(c.title) || UNTITLED) + '》' +
        (where.length ? '（' + where.join(' · ') + '）' : '') + '：“' + inline(c.quote) + '”';
    }

    function markdown(conv) {
      conv = conv || {};
      var lines = ['# ' + (inline(conv.title) || FALLBACK_TITLE), '',
        '导出时间：' + (/^[\d: -]{1,20}$/.test(String(conv.exported || '')) ? conv.exported : stamp()), ''];
      (Array.isArray(conv.items) ? conv.items : []).forEach(function (item) {
        if (!item || typeof item !== 'object') return;
        if (item.question != null) {
          lines.push('## 问：' + inline(item.question), '');
        } else if (item.answer != null) {
          lines.push(block(item.answer), '');
          var cites = item.declined ? [] : (Array.isArray(item.citations) ? item.citations : []);
          if (cites.length) {
            lines.push('**来源**', '');
            cites.forEach(function (c, i) { lines.push(citationLine(c || {}, i)); });
            lines.push('');
          }
          var sugg = (Array.isArray(item.suggestions) ? item.suggestions : []).map(inline).filter(Boolean);
          if (sugg.length) {
            sugg.forEach(function (s) { lines.push('- ' + s); });
            lines.push('');
          }
        } else if (item.stopped) {
          lines.push('> ' + STOPPED, '');
        } else if (item.error != null) {
          lines.push('> ' + inline(item.error), '');
        }
      });
      return lines.join('\n').replace(/\s+$/, '') + '\n';
    }

    function fileName(conv) {
      var title = String((conv && conv.title) || '').replace(/\s+/g, ' ').trim() || FALLBACK_TITLE;
      return title.replace(/[\\/:*?"<>|\s]+/g, '_').slice(0, 40) + '.md';
    }

    // Download the conversation as a .md file (the link is put in `parent`, default the page body).
    function download(conv, parent) {
      if (!conv) return;
      var blob = new Blob([markdown(conv)], { type: 'text/markdown;charset=utf-8' });
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = fileName(conv);
      parent = parent || document.body;
      parent.appendChild(a);
      a.click();
      parent.removeChild(a);
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
    }

    return { markdown: markdown, fileName: fileName, download: download, stamp: stamp };
  })();
