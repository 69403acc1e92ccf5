// Manager's wallboard (/supervision): live chats and calls with lawyer, waiting/talking time,
// category and suggestions marked unhelpful; overdue items raised (限时办结, hand-over, 回访);
// the supervision policy. Refreshed every 2 s and on routing events.
(function () {
  'use strict';
  const { h, api, attempt, secs, staffSocket } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const STATUS = { open: '受理中', queued: '排队', offered: '振铃', active: '通话/会话中', wrapup: '话后整理' };

  function renderLive(d) {
    const body = $('live'); body.replaceChildren();
    if (!d.contacts.length) body.append(h('tr', {}, h('td', { colspan: 10, class: 'empty' }, '当前没有进行中的咨询')));
    for (const c of d.contacts) {
      const danger = c.safety && c.safety.length;
      body.append(h('tr', { dataset: { contact: c.id }, class: danger ? 'safety-row' : '' },
        h('td', {}, '#' + c.id, danger ? h('span', { class: 'badge danger safety-flag', title: '安全预警' }, '⚠ ' + c.safety.join('、')) : null), h('td', {}, c.channel_label), h('td', {}, c.lawyer || '—'),
        h('td', {}, STATUS[c.status] || c.status),
        h('td', {}, (c.phase === 'waiting' ? '等待 ' : '通话 ') + secs(c.seconds)),
        h('td', {}, c.category),
        h('td', { class: c.unhelpful ? 'flag-unhelpful' : '' }, c.unhelpful ? '是（' + c.unhelpful + ' 条）' : '否'),
        h('td', {}, c.monitored_by.join('、') || '—'), h('td', { class: 'small' }, c.preview),
        h('td', {}, h('a', { class: 'button small', href: '/supervision/monitor/' + c.id }, '监听'))));
    }
    const esc = $('escalations'); esc.replaceChildren();
    if (!d.escalations.length) esc.append(h('div', { class: 'empty' }, '没有超时事项'));
    for (const e of d.escalations) {
      esc.append(h('div', { class: 'escalation', dataset: { kind: e.kind } },
        h('span', { class: 'badge overdue' }, e.label), ' ', e.reference, ' · 期限 ', e.due_local, ' · 已超 ', e.overdue_hours, ' 小时 ',
        h('span', { class: 'muted small' }, e.summary)));
    }
    $('esc-count').textContent = d.escalations.length ? d.escalations.length + ' 项' : '';
    $('live-updated').textContent = '更新于 ' + new Intl.DateTimeFormat('zh-CN', { timeZone: d.timezone, hour12: false,
      hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(d.now));
    document.body.dataset.liveLoaded = String(Number(document.body.dataset.liveLoaded || 0) + 1);
  }

  let loading = false;
  async function load() {
    if (loading) return;
    loading = true;
    try { const d = await attempt(() => api('GET', '/api/supervision/live')); if (d) renderLive(d); } finally { loading = false; }
  }

  async function loadPolicy() {
    const p = await attempt(() => api('GET', '/api/supervision/policy'));
    if (!p) return;
    const box = $('policy'); box.replaceChildren();
    for (const [key, s] of Object.entries(p)) {
      const input = typeof s.value === 'boolean'
        ? h('input', { type: 'checkbox', id: 'policy-' + key.replace(/\./g, '-'), checked: s.value })
        : h('input', { type: 'number', class: 'tiny', step: 'any', id: 'policy-' + key.replace(/\./g, '-'), value: s.value });
      input.addEventListener('change', () => {
        const value = input.type === 'checkbox' ? input.checked : Number(input.value);
        attempt(() => api('PUT', '/api/supervision/policy/' + key, { value: Number.isInteger(s.default) && input.type !== 'checkbox' ? Math.round(value) : value }), '已保存');
      });
      box.append(h('label', { class: 'inline' }, s.label + ' ', input));
    }
  }

  staffSocket({ onOpen: load, onEvent: (ev) => { if (ev.topic === 'queues' && ev.type !== 'state') load(); } });
  load(); loadPolicy();
  setInterval(load, 2000);
})();
