// Channels in the lawyer console: the labels (电话 / 网页 / 微信), and for the selected contact
// the WeChat 48-hour reply window (closed: the lawyer is told to call back or send an SMS, and
// the reply box is disabled) and the citizen's earlier contacts on every channel.
// Loaded before console.js, which calls window.Channels.* and window.ContactContext.show(id).
(function () {
  'use strict';
  const { h, api, toast, localTime } = window.Staff;
  const LABELS = { call: '电话', chat: '网页', wechat: '微信' };
  const OUTCOMES = { answered: '已解答', abandoned: '放弃', callback: '回电', failed: '失败', referred: '已转介',
    citizen_left: '市民离开' };

  window.Channels = {
    label: (ch) => LABELS[ch] || ch || '未知',
    long: (ch) => (ch === 'call' ? '电话咨询' : (LABELS[ch] || '在线') + '咨询'),
    textual: (ch) => ch === 'chat' || ch === 'wechat', // the lawyer replies in writing
  };

  function box() {
    let el = document.getElementById('contact-context');
    if (!el) {
      el = h('div', { id: 'contact-context', class: 'small' });
      document.getElementById('contact-head').after(el);
    }
    return el;
  }

  function windowLine(ctx) {
    const w = ctx.window;
    if (!w) return null;
    if (!w.open) {
      return h('p', { class: 'badge warn', id: 'wechat-window', dataset: { open: 'false' } }, ctx.window_closed_notice);
    }
    const left = Math.max(0, (Date.parse(w.closes_at) - Date.now()) / 3600000);
    return h('p', { class: 'muted', id: 'wechat-window', dataset: { open: 'true' } },
      '微信回复窗口：' + localTime(w.closes_at) + ' 前可回复（剩余约 ' + left.toFixed(1) + ' 小时）');
  }

  function historyList(ctx) {
    if (!ctx.history.length) return h('p', { class: 'muted', id: 'contact-history' }, '该市民没有更早的咨询记录');
    return h('details', { id: 'contact-history', open: true },
      h('summary', {}, '历史咨询（' + ctx.history.length + '）'),
      h('ul', { class: 'plain' }, ...ctx.history.map((c) => h('li', { dataset: { contactId: c.id, channel: c.channel } },
        h('span', { class: 'badge' }, window.Channels.label(c.channel)), ' ',
        localTime(c.started_at), ' ', c.case_reference || '', ' ',
        OUTCOMES[c.outcome] || (c.status === 'ended' ? '已结束' : '进行中'),
        c.preview ? h('div', { class: 'muted' }, c.preview) : null))));
  }

  let shown = null;
  window.ContactContext = {
    async show(contactId) {
      shown = contactId;
      const el = box(); el.replaceChildren();
      let ctx;
      try { ctx = await api('GET', '/api/wechat/contacts/' + contactId + '/context'); } catch (e) { return; }
      if (shown !== contactId) return;
      el.replaceChildren(...[windowLine(ctx), historyList(ctx)].filter(Boolean));
      const closed = ctx.window && !ctx.window.open;
      const send = document.getElementById('reply-send');
      if (send) send.disabled = closed;
      const text = document.getElementById('reply-text');
      text.dataset.placeholder = text.dataset.placeholder || text.placeholder;
      text.placeholder = closed ? '微信回复窗口已关闭' : text.dataset.placeholder;
    },
    clear() { shown = null; box().replaceChildren(); },
    // after a reply was stored: tell the lawyer when WeChat did not take it
    delivered(out) {
      if (out && out.delivery && !out.delivery.sent) toast('回复已保存，但未能发送到微信：' + out.delivery.error, 'error');
      else if (out && out.delivery) toast('已通过微信发送', 'ok');
    },
  };
})();
