// Helpers shared by the staff pages: JSON API calls with Chinese error messages, toasts,
// DOM building, formatting, logout and the staff WebSocket with reconnection.
(function () {
  'use strict';

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function toast(message, kind) {
    let box = document.getElementById('toasts');
    if (!box) { box = h('div', { id: 'toasts', 'aria-live': 'polite' }); document.body.append(box); }
    const el = h('div', { class: 'toast ' + (kind || '') , role: kind === 'error' ? 'alert' : 'status' }, message);
    box.append(el);
    setTimeout(() => el.remove(), kind === 'error' ? 7000 : 3500);
  }

  function detailText(data, status) {
    if (!data) return '请求失败 (' + status + ')';
    const d = data.detail;
    // the API's messages may end in a parenthesised English hint for developers ("... (not your
    // contact)"): staff see the Chinese sentence only
    if (typeof d === 'string') return d.replace(/\s*\([A-Za-z][\x20-\x7e]*\)\s*$/, '') || d;
    if (Array.isArray(d)) return '输入有误：' + d.map((e) => (e.loc || []).slice(1).join('.') + ' ' + (e.msg || '')).join('；');
    return '请求失败 (' + status + ')';
  }

  async function api(method, url, body) {
    const opts = { method, headers: {} };
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    const r = await fetch(url, opts);
    let data = null;
    const type = r.headers.get('content-type') || '';
    if (type.includes('json')) data = await r.json(); else data = await r.text();
    if (r.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search); }
    if (!r.ok) { const err = new Error(detailText(data, r.status)); err.status = r.status; err.data = data; throw err; }
    return data;
  }

  // Run an action; show its error as a toast instead of throwing.
  async function attempt(fn, okMessage) {
    try { const out = await fn(); if (okMessage) toast(okMessage, 'ok'); return out; }
    catch (e) { toast(e.message || String(e), 'error'); return undefined; }
  }

  function pct(v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%'; }
  function secs(v) {
    if (v === null || v === undefined) return '—';
    if (v < 60) return v.toFixed(v < 10 ? 1 : 0) + ' 秒';
    const m = Math.floor(v / 60), s = Math.round(v % 60);
    return m + ' 分 ' + s + ' 秒';
  }
  function num(v, digits) { return v === null || v === undefined ? '—' : Number(v).toFixed(digits || 0); }
  function localTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return d.toLocaleString('zh-CN', { hour12: false });
  }
  // A date as YYYY-MM-DD on the hotline's clock (body data-tz, e.g. Asia/Shanghai), which is what
  // the server reads report dates in; the browser's own zone only when the page has none.
  function localDate(d) {
    const tz = document.body.dataset.tz;
    if (tz) {
      try {
        return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
      } catch (e) { /* an unknown zone: fall back to the browser's */ }
    }
    const pad = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
  }

  // The staff WebSocket: reconnects with back-off; `onOpen` runs after each (re)connect.
  function staffSocket(handlers) {
    const state = { ws: null, retry: 0, closed: false };
    function connect() {
      const proto = location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(proto + '://' + location.host + '/ws/staff');
      state.ws = ws;
      ws.onopen = () => { state.retry = 0; handlers.onOpen && handlers.onOpen(); };
      ws.onmessage = (ev) => { try { handlers.onEvent(JSON.parse(ev.data)); } catch (e) { console.error(e); } };
      ws.onclose = (ev) => {
        handlers.onClose && handlers.onClose(ev);
        if (state.closed) return;
        if (ev.code === 4401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); return; }
        state.retry = Math.min(state.retry + 1, 5);
        setTimeout(connect, 400 * 2 ** state.retry);
      };
    }
    connect();
    return {
      send(frame) { if (state.ws && state.ws.readyState === WebSocket.OPEN) { state.ws.send(JSON.stringify(frame)); return true; } return false; },
      close() { state.closed = true; state.ws && state.ws.close(); },
    };
  }

  document.addEventListener('DOMContentLoaded', () => {
    const out = document.getElementById('logout');
    if (out) out.addEventListener('click', async () => {
      try { await fetch('/api/auth/logout', { method: 'POST' }); } finally { location.href = '/login'; }
    });
  });

  // Article ids hold '/' and '#' (民法典/合同编#第五百七十七条): encode each path segment.
  function articleHref(id) { return '/console/articles/' + String(id).split('/').map(encodeURIComponent).join('/'); }

  // Label lists from /api/referrals/meta and the like, in any of the usual shapes:
  // ["a", ...], [{code, label}, ...], [[code, label], ...] or {code: label}. Returns [[code, label], ...].
  function pairs(list) {
    if (!list) return [];
    if (Array.isArray(list)) {
      return list.map((x) => Array.isArray(x) ? [x[0], x[1]] : (typeof x === 'object' && x !== null)
        ? [x.code ?? x.value ?? x.id ?? x.name, x.label ?? x.name ?? x.code] : [x, x]);
    }
    return Object.entries(list).map(([k, v]) => [k, typeof v === 'object' && v !== null ? (v.label ?? v.name ?? k) : v]);
  }
  function labelOf(list, code) { const hit = pairs(list).find(([c]) => c === code); return hit ? hit[1] : code; }

  window.Staff = { h, api, attempt, toast, pct, secs, num, localTime, localDate, staffSocket, articleHref, pairs, labelOf };
})();
