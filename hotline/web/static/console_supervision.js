// The lawyer's side of live supervision in the console: whispers from a monitoring manager (only
// this lawyer sees them; never the citizen, never the transcript) and, where the centre's policy
// says so, a banner while a manager monitors, coaches or has joined one of the lawyer's contacts.
// Its own staff socket (the console's socket is console.js's), plus /api/supervision/mine on load.
(function () {
  'use strict';
  const { h, api, staffSocket, localTime } = window.Staff;
  const MODES = { monitor: '正在监听', coach: '正在指导', barge: '已加入' };
  const watching = new Map();  // contact id -> { mode, by }

  const box = h('aside', { id: 'supervision-box', class: 'card', 'aria-label': '督导提示', 'aria-live': 'polite',
    style: 'position:fixed;right:1rem;bottom:1rem;max-width:24rem;z-index:50;display:none' },
    h('div', { id: 'monitored-banner', class: 'monitored-banner', style: 'display:none' }),
    h('div', { id: 'whispers' }));
  document.body.append(box);

  function show() {
    const banner = document.getElementById('monitored-banner');
    const parts = [...watching.entries()].map(([cid, w]) => '督导' + w.by + MODES[w.mode] + '咨询 #' + cid);
    banner.textContent = parts.join('；');
    banner.style.display = parts.length ? '' : 'none';
    box.style.display = parts.length || document.getElementById('whispers').children.length ? '' : 'none';
  }

  function addWhisper(w) {
    const list = document.getElementById('whispers');
    if (list.querySelector('[data-whisper="' + w.id + '"]')) return;
    list.append(h('div', { class: 'whisper-note', dataset: { whisper: w.id, contact: w.contact_id } },
      h('strong', {}, '督导' + w.by + '提示（仅您可见）'), h('span', { class: 'muted small' }, ' · 咨询 #' + w.contact_id + ' · ' + localTime(w.at)),
      h('div', {}, w.text),
      h('button', { type: 'button', class: 'link small', onclick: (e) => { e.target.closest('.whisper-note').remove(); show(); } }, '知道了')));
    show();
  }

  function onEvent(ev) {
    if (ev.type === 'whisper') addWhisper(ev);
    else if (ev.type === 'monitoring') {
      if (ev.active) watching.set(ev.contact_id, { mode: ev.mode, by: ev.by }); else watching.delete(ev.contact_id);
      show();
    }
  }

  async function load() {
    try {
      const d = await api('GET', '/api/supervision/mine');
      watching.clear();
      for (const m of d.monitoring) watching.set(m.contact_id, { mode: m.mode, by: m.by });
      for (const w of d.whispers) addWhisper(w);
      show();
    } catch (e) { /* not available for this role: nothing to show */ }
  }

  staffSocket({ onOpen: load, onEvent });
})();
