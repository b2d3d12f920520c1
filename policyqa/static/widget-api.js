  // ------------------------------------------------------------------ network
  // Part of the widget: widget.js names it on its `//= widget-api.js` line and the server puts it
  // there (policyqa/widget_bundle.py), in the widget's one function scope.
  // The assistant's API: requests, errors, the answer stream (SSE over fetch), the plain
  // fallback, and whether this page's origin is refused.

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
