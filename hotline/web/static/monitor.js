// Monitor view: follows one live contact through /ws/supervision/<id> (a monitoring session for
// the socket's life, audited): transcript (redacted), suggestions, the lawyer's actions from the
// log; whisper to the lawyer; join the chat as 督导, or coach / barge into a call.
(function () {
  'use strict';
  const { h, api, attempt } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const contactId = Number($('monitor').dataset.contactId);
  const SPEAKERS = { citizen: '市民', lawyer: '律师', system: '系统', supervisor: '督导' };
  const ACTIONS = { 'suggestion.shown': '显示建议', 'suggestion.rated': '评价建议', 'suggestion.clicked': '查看建议',
    'suggestion.copied': '引用建议', 'kb.search': '检索知识库', 'routing.accept': '接起', 'contact.answered': '开始接待',
    'contact.ended': '结束', 'routing.transfer': '转接', 'case.edited': '编辑案件', 'supervision.whisper': '督导提示',
    'supervision.barge': '督导加入', 'supervision.monitor_started': '开始监听', 'supervision.monitor_ended': '结束监听' };
  const S = { monitorId: null, seen: new Set(), channel: 'chat' };

  function addUtterance(u) {
    if (u.id && S.seen.has(u.id)) return;
    if (u.id) S.seen.add(u.id);
    $('m-transcript').append(h('li', { class: 'msg ' + u.speaker, dataset: { id: u.id || '' } },
      h('span', { class: 'who' }, (SPEAKERS[u.speaker] || u.speaker) + ' · '), h('span', { class: 'body' }, u.text)));
    $('m-transcript').scrollTop = 1e9;
  }

  function renderSuggestions(items) {
    const list = $('m-suggestions'); list.replaceChildren();
    for (const s of items || []) {
      list.append(h('li', { class: s.rating === 'unhelpful' ? 'flag-unhelpful' : '' }, s.title || s.ref_id,
        s.rating === 'unhelpful' ? '（律师标为无用）' : '', s.copied_at || s.copied ? '（已引用）' : ''));
    }
  }

  function addActivity(items) {
    for (const a of items) {
      $('m-activity').append(h('li', { dataset: { action: a.action } }, a.at.slice(11) + ' ' + (ACTIONS[a.action] || a.action)));
    }
  }

  async function load() {
    const d = await attempt(() => api('GET', '/api/supervision/contacts/' + contactId));
    if (!d) return;
    S.channel = d.contact.channel;
    $('m-meta').textContent = (d.contact.channel === 'call' ? '电话' : '在线') + (d.contact.lawyer ? ' · ' + d.contact.lawyer : '') +
      (d.contact.category ? ' · ' + d.contact.category : '');
    for (const u of d.transcript) addUtterance(u);
    renderSuggestions(d.suggestions.items);
    $('barge').classList.toggle('hidden', S.channel !== 'chat');
    $('coach').classList.toggle('hidden', S.channel !== 'call');
    $('barge-call').classList.toggle('hidden', S.channel !== 'call');
  }

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(proto + '://' + location.host + '/ws/supervision/' + contactId);
    ws.onmessage = (e) => {
      const ev = JSON.parse(e.data);
      if (ev.type === 'monitoring') { S.monitorId = ev.monitor_id; $('m-state').textContent = '监听中'; document.body.dataset.monitoring = '1'; }
      else if (ev.type === 'utterance') addUtterance(ev);
      else if (ev.type === 'suggestions') renderSuggestions(ev.items);
      else if (ev.type === 'activity') addActivity(ev.items);
      else if (ev.type === 'status' && ev.status === 'ended') $('m-state').textContent = '已结束';
      else if (ev.type === 'whisper') $('m-whispers').append(h('div', { class: 'whisper-note' }, ev.text));
    };
    ws.onclose = (e) => { $('m-state').textContent = e.code === 4403 ? '无权监听' : '监听已断开'; delete document.body.dataset.monitoring; };
    S.ws = ws;
  }

  $('whisper-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('whisper-text').value.trim();
    if (!text) return;
    if (await attempt(() => api('POST', '/api/supervision/contacts/' + contactId + '/whisper', { text }), '已发送提示')) $('whisper-text').value = '';
  });
  $('barge').addEventListener('click', async () => {
    if (await attempt(() => api('POST', '/api/supervision/contacts/' + contactId + '/barge'), '已加入会话')) {
      $('sup-form').classList.remove('hidden'); $('barge').disabled = true;
    }
  });
  for (const [id, mode] of [['coach', 'coach'], ['barge-call', 'barge']]) {
    $(id).addEventListener('click', () => attempt(() => api('POST', '/api/supervision/contacts/' + contactId + '/call', { mode }),
      mode === 'coach' ? '正在呼叫您的电话（指导）' : '已插入通话'));
  }
  $('sup-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('sup-text').value.trim();
    if (text && await attempt(() => api('POST', '/api/supervision/contacts/' + contactId + '/messages', { text }))) $('sup-text').value = '';
  });
  $('stop').addEventListener('click', () => { if (S.ws) S.ws.close(); location.href = '/supervision'; });
  load().then(connect);
})();
