// The lawyer console: presence, offers (with a beep), the running contacts, live transcript or
// chat thread, answer-assist suggestions (shown / clicked / copied / rated are all logged by the
// server), manual knowledge-base search, the case panel, referral, transfer, end and wrap-up, and
// the callback list (回电 / 留言: contacts that came in while nobody was on duty, voice messages).
(function () {
  'use strict';
  const { h, api, attempt, toast, localTime, articleHref, pairs } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const ME = window.CONSOLE.userId;
  const REASONS = window.CONSOLE.reasons;
  const STATE_LABELS = { available: '空闲', busy: '忙碌', wrapup: '话后整理', break: '小休', offline: '离线' };
  const SPEAKERS = { citizen: '市民', lawyer: '律师', system: '系统', supervisor: '督导' };

  const S = {
    meta: null, myState: null, contacts: new Map(), current: null, messages: new Map(), partials: new Map(),
    suggestions: new Map(), searchHits: null, offer: null, offerTimer: null, beepTimer: null, socket: null,
    wrapupContact: null, cases: new Map(), referralKind: null,
  };

  // -- sound: a short two-tone beep made in the browser (no audio files) ---------------------------
  let audio = null;
  window.__consoleBeeps = 0;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === 'suspended') audio.resume();
      const t = audio.currentTime;
      [[880, 0], [1320, 0.18]].forEach(([freq, offset]) => {
        const osc = audio.createOscillator(); const gain = audio.createGain();
        osc.type = 'sine'; osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t + offset);
        gain.gain.exponentialRampToValueAtTime(0.25, t + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + offset + 0.15);
        osc.connect(gain).connect(audio.destination);
        osc.start(t + offset); osc.stop(t + offset + 0.16);
      });
      window.__consoleBeeps += 1;
    } catch (e) { console.warn('beep failed', e); }
  }
  document.addEventListener('click', () => { if (audio && audio.state === 'suspended') audio.resume(); });

  // -- presence ---------------------------------------------------------------------------------------
  function setMyState(state) {
    S.myState = state;
    const badge = $('my-state');
    badge.textContent = STATE_LABELS[state] || state || '—';
    badge.className = 'badge state-' + state;
    for (const b of document.querySelectorAll('.presence button')) b.classList.toggle('on', b.dataset.state === state);
  }
  function onRoutingState(snapshot) {
    const mine = (snapshot.lawyers || []).find((l) => l.user_id === ME);
    if (mine) setMyState(mine.state);
    for (const l of snapshot.lawyers || []) if (l.name) CB.names.set(l.user_id, l.name);
    // callbacks created or closed elsewhere (another worker, the voice webhooks) move the count
    if (typeof snapshot.callbacks_open === 'number' && snapshot.callbacks_open !== CB.count) {
      CB.count = snapshot.callbacks_open;
      refreshCallbacks();
    }
    $('queue-summary').textContent = '排队 ' + (snapshot.waiting_total || 0) + ' 人' +
      (snapshot.longest_wait_s ? '，最长等待 ' + Math.round(snapshot.longest_wait_s) + ' 秒' : '') +
      (snapshot.callbacks_open ? '，待回电 ' + snapshot.callbacks_open : '');
  }
  for (const b of document.querySelectorAll('.presence button')) {
    b.addEventListener('click', () => attempt(async () => {
      await api('POST', '/api/routing/presence', { state: b.dataset.state });
      setMyState(b.dataset.state);
    }));
  }

  // -- offers -----------------------------------------------------------------------------------------
  function showOffer(ev) {
    S.offer = ev;
    $('offer-channel').textContent = ev.channel === 'call' ? '电话' : '在线咨询';
    $('offer-category').textContent = categoryName(ev.category);
    $('offer-preview').textContent = ev.preview || '（市民尚未描述问题）';
    const deadline = Date.now() + (ev.timeout_s || 20) * 1000;
    const tick = () => {
      const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      $('offer-countdown').textContent = left;
      if (left <= 0) hideOffer();
    };
    clearInterval(S.offerTimer); S.offerTimer = setInterval(tick, 250); tick();
    clearInterval(S.beepTimer); beep(); S.beepTimer = setInterval(beep, 3000);
    $('offer').classList.remove('hidden');
    $('offer-accept').focus();
  }
  function hideOffer() {
    S.offer = null;
    clearInterval(S.offerTimer); clearInterval(S.beepTimer);
    $('offer').classList.add('hidden');
  }
  async function acceptOffer() {
    const offer = S.offer; if (!offer) return;
    hideOffer();
    const ok = await attempt(() => api('POST', '/api/routing/offers/' + offer.offer_id + '/accept'));
    if (ok) { await loadContacts(); select(offer.contact_id); }
  }
  async function rejectOffer() {
    const offer = S.offer; if (!offer) return;
    hideOffer();
    await attempt(() => api('POST', '/api/routing/offers/' + offer.offer_id + '/reject'), '已拒绝该分配');
  }
  $('offer-accept').addEventListener('click', acceptOffer);
  $('offer-reject').addEventListener('click', rejectOffer);

  // -- contacts ---------------------------------------------------------------------------------------
  function categoryName(code) {
    const c = S.meta && S.meta.categories.find((x) => x.code === code);
    return c ? c.name : (code || '未分类');
  }
  async function loadContacts() {
    const rows = await attempt(() => api('GET', '/api/console/contacts'));
    if (!rows) return;
    const seen = new Set();
    for (const row of rows) {
      seen.add(row.id);
      const old = S.contacts.get(row.id);
      S.contacts.set(row.id, Object.assign(old || { unread: false }, row));
      if (!old) S.socket.send({ type: 'watch', contact_id: row.id });
    }
    for (const id of [...S.contacts.keys()]) {
      if (!seen.has(id)) { S.contacts.delete(id); S.socket.send({ type: 'unwatch', contact_id: id }); }
    }
    const wrap = rows.find((r) => r.wrapup);
    if (wrap) showWrapup(wrap.id); else if (S.myState !== 'wrapup') hideWrapup();
    renderContacts();
    if (S.current && !S.contacts.has(S.current)) clearCurrent();
    if (!S.current && rows.length) select(rows.find((r) => r.status === 'active') ? rows.find((r) => r.status === 'active').id : rows[0].id);
  }
  function renderContacts() {
    const list = $('contact-list'); list.replaceChildren();
    const rows = [...S.contacts.values()];
    $('contact-count').textContent = rows.length ? '（' + rows.length + '）' : '';
    if (!rows.length) { list.append(h('li', { class: 'empty' }, '暂无进行中的咨询')); return; }
    rows.forEach((c, i) => {
      list.append(h('li', { class: c.id === S.current ? 'current' : '', dataset: { contactId: c.id }, tabindex: 0,
        onclick: () => select(c.id), onkeydown: (e) => { if (e.key === 'Enter') select(c.id); } },
        h('div', { class: 'row' }, h('strong', {}, (i + 1) + '. ' + (c.channel === 'call' ? '电话' : '在线')),
          h('span', { class: 'badge' }, c.category_name || categoryName(c.category)),
          c.status === 'ended' || c.ended_at ? h('span', { class: 'badge warn' }, '已结束') : null,
          c.unread ? h('span', { class: 'unread', title: '有新消息' }) : null),
        h('div', { class: 'small muted' }, c.case_reference || ''),
        h('div', { class: 'small' }, c.preview || '')));
    });
  }
  function clearCurrent() {
    S.current = null;
    $('contact-head').replaceChildren(h('span', { class: 'muted' }, '当前没有选中的咨询'));
    $('conversation').replaceChildren();
    $('reply-form').classList.add('hidden'); $('call-note').classList.add('hidden');
    $('case-form').classList.add('hidden'); $('case-empty').classList.remove('hidden');
    $('case-ref').textContent = ''; $('case-status').textContent = '';
    renderSuggestions();
  }
  async function select(id) {
    const c = S.contacts.get(id); if (!c) return;
    S.current = id; c.unread = false; S.searchHits = null; $('search-clear').classList.add('hidden');
    renderContacts(); renderHead();
    const ended = c.status === 'ended' || !!c.ended_at;
    $('reply-form').classList.toggle('hidden', c.channel !== 'chat' || ended);
    $('call-note').classList.toggle('hidden', c.channel !== 'call');
    const [detail, sugg] = await Promise.all([
      attempt(() => api('GET', '/api/contacts/' + id)),
      attempt(() => api('GET', '/api/console/contacts/' + id + '/suggestions')),
    ]);
    if (S.current !== id) return;
    if (detail) for (const u of detail.transcript) addMessage(id, u, false);
    if (sugg) {
      const have = S.suggestions.get(id);
      if (!have || (sugg.batch >= have.batch)) S.suggestions.set(id, sugg);
    }
    renderConversation(); renderSuggestions();
    loadCase(c.case_id);
  }
  function renderHead() {
    const c = S.contacts.get(S.current); if (!c) return;
    $('contact-head').replaceChildren(...[
      h('strong', {}, c.channel === 'call' ? '电话咨询' : '在线咨询'),
      h('span', { class: 'badge' }, c.category_name || categoryName(c.category)),
      h('span', { class: 'muted small' }, c.case_reference || ''),
      h('span', { class: 'muted small' }, c.answered_at ? '接入 ' + localTime(c.answered_at) : ''),
      c.status === 'ended' || c.ended_at ? h('span', { class: 'badge warn' }, '已结束') : null].filter(Boolean));
  }

  // -- conversation -----------------------------------------------------------------------------------
  function addMessage(contactId, u, render) {
    if (!S.messages.has(contactId)) S.messages.set(contactId, new Map());
    S.messages.get(contactId).set(u.id, u);
    const parts = S.partials.get(contactId);
    if (parts) for (const [seg, p] of parts) if (p.speaker === u.speaker) parts.delete(seg);
    if (render !== false && contactId === S.current) renderConversation();
  }
  function renderConversation() {
    const box = $('conversation'); box.replaceChildren();
    const msgs = S.messages.get(S.current);
    const rows = msgs ? [...msgs.values()].sort((a, b) => a.id - b.id) : [];
    for (const u of rows) {
      box.append(h('li', { class: 'msg ' + u.speaker, dataset: { id: u.id } },
        h('span', { class: 'who' }, (SPEAKERS[u.speaker] || u.speaker) + ' · ' + localTime(u.at)),
        h('div', { class: 'body' }, u.text)));
    }
    const parts = S.partials.get(S.current);
    if (parts) for (const [seg, p] of parts) {
      box.append(h('li', { class: 'msg partial ' + p.speaker, dataset: { segment: seg } },
        h('span', { class: 'who' }, (SPEAKERS[p.speaker] || p.speaker) + ' · 识别中'), h('div', { class: 'body' }, p.text)));
    }
    if (!rows.length && !(parts && parts.size)) box.append(h('li', { class: 'empty' }, '暂无对话内容'));
    box.scrollTop = box.scrollHeight;
  }
  function setPartial(ev) {
    if (!S.partials.has(ev.contact_id)) S.partials.set(ev.contact_id, new Map());
    const parts = S.partials.get(ev.contact_id);
    if (ev.text) parts.set(String(ev.segment_id), { speaker: ev.speaker, text: ev.text }); else parts.delete(String(ev.segment_id));
    if (ev.contact_id === S.current) renderConversation();
  }
  async function sendReply() {
    const text = $('reply-text').value.trim();
    if (!text || !S.current) return;
    const id = S.current;
    $('reply-send').disabled = true;
    const clientId = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    const out = await attempt(() => api('POST', '/api/contacts/' + id + '/messages', { text, client_id: clientId }));
    $('reply-send').disabled = false;
    if (out) { $('reply-text').value = ''; addMessage(id, out); }
  }
  $('reply-form').addEventListener('submit', (e) => { e.preventDefault(); sendReply(); });

  // -- suggestions ------------------------------------------------------------------------------------
  function citation(item) {
    if (item.kind === 'faq') return item.answer || item.question || '';
    const version = item.version ? '（' + item.version + '版）' : '';
    return '根据《' + (item.title || item.law) + '》' + item.article_no + version + '：' + (item.text || '');
  }
  function itemTitle(item) {
    if (item.kind === 'faq') return item.question || item.title;
    return '《' + (item.title || item.law || '') + '》' + (item.article_no || '');
  }
  async function logAction(item, action, extra) {
    if (item.suggestion_id) {
      return api('POST', '/api/suggestions/' + item.suggestion_id + '/actions', Object.assign({ action }, extra || {}));
    }
    return api('POST', '/api/console/search-actions', { action, kind: item.kind, ref_id: item.id, contact_id: S.current });
  }
  async function copyItem(item, card) {
    const text = citation(item);
    const c = S.contacts.get(S.current);
    if (c && c.channel === 'chat' && !$('reply-form').classList.contains('hidden')) {
      const box = $('reply-text');
      const start = box.selectionStart ?? box.value.length, end = box.selectionEnd ?? box.value.length;
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.focus(); box.selectionStart = box.selectionEnd = start + text.length;
    } else {
      try { await navigator.clipboard.writeText(text); } catch (e) { /* clipboard may be unavailable */ }
    }
    const ok = await attempt(() => logAction(item, 'copy'));
    if (ok) { item.copied = true; card.classList.add('copied'); toast('已引用到回复框', 'ok'); }
  }
  async function rateItem(item, card, rating, reason) {
    const ok = await attempt(() => logAction(item, 'rate', { rating, reason: reason || '' }));
    if (ok) { item.rating = rating; item.rating_reason = reason || ''; renderSuggestions(); toast(rating === 'helpful' ? '已标记为有帮助' : '已标记为无帮助：' + reason, 'ok'); }
  }
  function suggestionCard(item, idx) {
    const card = h('li', { class: 'sugg' + (item.copied ? ' copied' : '') + (item.rating === 'unhelpful' ? ' rated-unhelpful' : ''),
      dataset: { suggestionId: item.suggestion_id || '', ref: item.id, kind: item.kind } });
    const link = articleHref(item.id);
    const meta = [];
    if (item.kind === 'article') {
      meta.push(item.version ? h('span', { class: 'badge', title: '版本日期' }, item.version + ' 版') : h('span', { class: 'badge warn' }, '版本不详'));
      if (item.level) meta.push(h('span', { class: 'meta' }, item.level));
    }
    card.append(h('div', { class: 'head' },
      h('span', { class: 'badge kind-' + item.kind }, item.kind === 'faq' ? '问答' : '法条'),
      h('a', { class: 'title', href: link, target: '_blank', rel: 'noopener', title: '打开全文',
        onclick: () => { attempt(() => logAction(item, 'click')); } }, itemTitle(item)),
      ...meta, h('span', { class: 'meta' }, '相关度 ' + Number(item.score || 0).toFixed(2))));
    const body = item.kind === 'faq' ? (item.answer || '') : (item.text || '');
    card.append(h('div', { class: 'text', onclick: () => card.classList.toggle('open'), title: '点击展开/收起' }, body));
    if (item.kind === 'faq' && item.statutes && item.statutes.length) {
      card.append(h('div', { class: 'meta' }, '依据：', ...item.statutes.slice(0, 4).map((s) =>
        h('a', { href: articleHref(s), target: '_blank', rel: 'noopener', style: 'margin-right:.4rem' }, s.split('/').pop()))));
    }
    const tools = h('div', { class: 'tools' },
      h('button', { type: 'button', class: 'small primary', 'data-action': 'copy', onclick: () => copyItem(item, card) }, '引用到回复'),
      h('a', { class: 'button small', href: link, target: '_blank', rel: 'noopener', onclick: () => { attempt(() => logAction(item, 'click')); } }, '全文'));
    if (item.suggestion_id) {
      tools.append(
        h('button', { type: 'button', class: 'small' + (item.rating === 'helpful' ? ' on' : ''), 'data-action': 'helpful',
          title: '有帮助', onclick: () => rateItem(item, card, 'helpful') }, '有帮助'),
        h('button', { type: 'button', class: 'small' + (item.rating === 'unhelpful' ? ' on' : ''), 'data-action': 'unhelpful',
          title: '无帮助', onclick: () => { const r = card.querySelector('.reasons'); r.classList.toggle('hidden'); } }, '无帮助'));
    }
    if (item.rating === 'unhelpful' && item.rating_reason) tools.append(h('span', { class: 'badge warn' }, item.rating_reason));
    if (item.copied) tools.append(h('span', { class: 'badge ok' }, '已引用'));
    card.append(tools);
    if (item.suggestion_id) {
      card.append(h('div', { class: 'reasons hidden', role: 'group', 'aria-label': '无帮助的原因' },
        h('span', { class: 'small muted' }, '原因：'),
        ...REASONS.map((r) => h('button', { type: 'button', class: 'small', 'data-reason': r,
          onclick: () => rateItem(item, card, 'unhelpful', r) }, r))));
    }
    return card;
  }
  function renderSuggestions() {
    const list = $('suggestions'); list.replaceChildren();
    let data;
    if (S.searchHits) {
      data = S.searchHits;
      $('sugg-status').textContent = '手动检索';
    } else {
      data = S.current ? S.suggestions.get(S.current) : null;
      $('sugg-status').textContent = data && data.items && data.items.length ? (data.confident ? '随对话更新' : '匹配度较低，请核实') : '';
    }
    $('sugg-query').textContent = data && data.query ? '检索依据：' + data.query.slice(0, 80) : '';
    const items = data ? (data.items || data.hits || []) : [];
    if (!items.length) {
      list.append(h('li', { class: 'empty' }, S.searchHits ? '没有找到相关内容' : '市民发言后，这里会显示相关法条和常见问答'));
      return;
    }
    items.forEach((item, i) => list.append(suggestionCard(item, i)));
  }
  $('search-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = $('search-input').value.trim(); if (!q) return;
    const url = '/api/console/search?q=' + encodeURIComponent(q) + (S.current ? '&contact_id=' + S.current : '');
    const out = await attempt(() => api('GET', url));
    if (!out) return;
    S.searchHits = { query: q, confident: out.confident, items: out.hits };
    $('search-clear').classList.remove('hidden');
    renderSuggestions();
  });
  $('search-clear').addEventListener('click', () => { S.searchHits = null; $('search-clear').classList.add('hidden'); renderSuggestions(); });

  // -- case panel -------------------------------------------------------------------------------------
  function toLocalInput(iso) {
    if (!iso) return '';
    const d = new Date(iso); const pad = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  async function loadCase(caseId) {
    if (!caseId) return;
    const data = await attempt(() => api('GET', '/api/cases/' + caseId));
    if (!data || !S.contacts.get(S.current) || S.contacts.get(S.current).case_id !== caseId) return;
    const c = data.case;
    S.cases.set(caseId, data);
    $('case-empty').classList.add('hidden'); $('case-form').classList.remove('hidden');
    $('case-ref').textContent = c.reference;
    $('case-status').textContent = c.status_label + (c.overdue ? ' · 已超期' : '');
    $('case-status').className = 'badge' + (c.overdue ? ' overdue' : '');
    $('case-category').value = c.category_code || 'other';
    $('case-summary').value = c.summary || '';
    $('case-disposition').value = c.disposition || '';
    if (c.disposition && ![...$('case-disposition').options].some((o) => o.value === c.disposition)) {
      $('case-disposition').append(h('option', { value: c.disposition }, c.disposition)); $('case-disposition').value = c.disposition;
    }
    $('case-deadline').value = toLocalInput(c.deadline_at);
    $('case-deadline-note').textContent = c.deadline_at ? '（限时办结，按类别自动计算，可调整）' : '';
  }
  async function saveCase() {
    const contact = S.contacts.get(S.current); if (!contact) return;
    const data = S.cases.get(contact.case_id); if (!data) return;
    const c = data.case; const body = { reason: '律师工作台更新' };
    const category = $('case-category').value, summary = $('case-summary').value.trim();
    const disposition = $('case-disposition').value, deadline = $('case-deadline').value;
    if (category && category !== c.category_code) body.category_code = category;
    if (summary !== (c.summary || '')) body.summary = summary;
    if (disposition !== (c.disposition || '')) body.disposition = disposition;
    if (deadline && deadline !== toLocalInput(c.deadline_at)) body.deadline_at = new Date(deadline).toISOString();
    if (Object.keys(body).length === 1) { toast('没有需要保存的修改'); return; }
    const out = await attempt(() => api('PATCH', '/api/cases/' + contact.case_id, body), '案件信息已保存');
    if (out) loadCase(contact.case_id);
  }
  $('case-form').addEventListener('submit', (e) => { e.preventDefault(); saveCase(); });

  // -- transfer, end, wrap-up ------------------------------------------------------------------------
  for (const b of document.querySelectorAll('dialog [data-close]')) b.addEventListener('click', () => b.closest('dialog').close());
  $('transfer-open').addEventListener('click', () => {
    const sel = $('transfer-to'); sel.replaceChildren();
    for (const l of S.meta.lawyers.filter((x) => x.id !== ME)) {
      sel.append(h('option', { value: l.id }, l.name + '（' + (STATE_LABELS[l.state] || l.state) + '）'));
    }
    if (!sel.options.length) { toast('没有可转接的律师', 'error'); return; }
    $('transfer-dialog').showModal();
  });
  $('transfer-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = S.current; const reason = $('transfer-reason').value.trim();
    if (!reason) { toast('请填写转接原因', 'error'); return; }
    const ok = await attempt(() => api('POST', '/api/routing/contacts/' + id + '/transfer',
      { to_user_id: Number($('transfer-to').value), reason }), '已转接');
    if (ok) { $('transfer-dialog').close(); $('transfer-reason').value = ''; await loadContacts(); }
  });
  $('end-open').addEventListener('click', () => {
    $('end-disposition').value = $('case-disposition').value || '';
    $('end-dialog').showModal();
  });
  $('end-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const disposition = $('end-disposition').value; if (!disposition) { toast('请选择处理结果', 'error'); return; }
    const id = S.current;
    const ok = await attempt(() => api('POST', '/api/contacts/' + id + '/end', { disposition }));
    if (ok) {
      $('end-dialog').close();
      const c = S.contacts.get(id); if (c) { c.status = 'ended'; c.ended_at = ok.ended_at; }
      $('wrapup-disposition').value = disposition;
      renderContacts(); renderHead(); $('reply-form').classList.add('hidden');
    }
  });
  function showWrapup(contactId) {
    S.wrapupContact = contactId;
    const c = S.contacts.get(contactId);
    $('wrapup-info').textContent = c ? '（' + (c.case_reference || '') + '）请选择处理结果后继续接待' : '';
    $('wrapup-bar').classList.remove('hidden');
    if (!$('wrapup-disposition').value) $('wrapup-disposition').value = $('case-disposition').value || '';
    setMyState('wrapup');
  }
  function hideWrapup() { S.wrapupContact = null; $('wrapup-bar').classList.add('hidden'); }
  $('wrapup-done').addEventListener('click', async () => {
    const disposition = $('wrapup-disposition').value;
    if (!disposition) { toast('请选择处理结果', 'error'); return; }
    const ok = await attempt(() => api('POST', '/api/routing/wrapup', { disposition }), '话后整理完成');
    if (ok) { hideWrapup(); $('wrapup-disposition').value = ''; setMyState('available'); await loadContacts(); }
  });

  // -- referral (legal aid / mediation), pre-filled from the conversation -----------------------------
  // docs/referrals-api.md: GET /api/cases/{id}/referral-draft fills the form (summary, facts, parties,
  // matched office, a draft legal-aid application with its assessment); POST /api/cases/{id}/referrals.
  const R = { meta: null, kind: null, contact: null, draft: null };
  const KIND_TITLES = { legal_aid: '转介法律援助', mediation: '转介人民调解' };
  const ELIGIBLE = { true: '符合法律援助条件', false: '不符合法律援助条件', needs_review: '需法律援助机构审查' };
  function getPath(obj, path) { return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj); }
  function setPath(obj, path, value) {
    const keys = path.split('.'); let o = obj;
    for (const k of keys.slice(0, -1)) { if (o[k] == null || typeof o[k] !== 'object') o[k] = {}; o = o[k]; }
    o[keys[keys.length - 1]] = value;
  }
  function field(label, path, input, guessed) {
    input.dataset.field = path;
    if (guessed.includes(path)) { input.classList.add('guessed'); input.title = '根据对话自动推测，请核实'; }
    return h('label', { class: input.type === 'checkbox' ? 'inline' : '' }, ...(input.type === 'checkbox' ? [input, label] : [label + ' ', input]));
  }
  function checkGroup(path, options, chosen, guessed) {
    const box = h('div', { class: 'checks' + (guessed.includes(path) ? ' guessed' : ''), dataset: { field: path, group: '1' } },
      options.map(([c, l]) => h('label', { class: 'inline small' }, h('input', { type: 'checkbox', value: c, checked: (chosen || []).includes(c) }), l)));
    if (guessed.includes(path)) box.title = '根据对话自动推测，请核实';
    return box;
  }
  function selectOf(options, value, empty) {
    return h('select', {}, empty ? h('option', { value: '' }, empty) : null, ...options.map(([c, l]) => h('option', { value: c, selected: c === value }, l)));
  }
  function readFields(root, target) {
    for (const el of root.querySelectorAll('[data-field]')) {
      const path = el.dataset.field;
      let value;
      if (el.dataset.group) value = [...el.querySelectorAll('input:checked')].map((i) => i.value);
      else if (el.type === 'checkbox') value = el.checked;
      else if (el.type === 'number') value = el.value === '' ? null : Number(el.value);
      else value = el.value === '' ? null : el.value;
      setPath(target, path, value);
    }
    return target;
  }
  function renderAssessment(a) {
    const box = $('referral-assessment'); if (!box) return;
    if (!a) { box.replaceChildren(h('span', { class: 'muted' }, '填写申请信息后可评估')); return; }
    box.replaceChildren(...[h('strong', {}, ELIGIBLE[String(a.eligible)] || String(a.eligible)),
      a.urgent ? h('span', { class: 'badge urgent', style: 'margin-left:.4rem' }, '紧急') : null,
      h('ul', { class: 'small' }, (a.reasons || []).map((x) => h('li', {}, x))),
      (a.deadlines || []).length ? h('div', { class: 'small' }, '期限：' + a.deadlines.map((d) => d.label + ' ' + d.date + '（剩 ' + d.days_left + ' 天）').join('；')) : null,
      (a.warnings || []).length ? h('div', { class: 'small error' }, a.warnings.join('；')) : null].filter(Boolean));
  }
  function buildReferralForm() {
    const { draft, meta, kind, contact } = R;
    const guessed = draft.guessed || [];
    $('referral-title').textContent = KIND_TITLES[kind] + ' · ' + (draft.case_reference || '');
    $('referral-error').textContent = '';
    const office = draft.suggested_office;
    const applicant = (draft.parties || []).find((p) => p.role === 'applicant') || { role: 'applicant', name: '', phone: '', address: '' };
    const parts = [
      h('p', {}, '接收机构：', office ? h('strong', { id: 'referral-office', dataset: { officeId: office.id } }, office.name) : h('span', { class: 'error', id: 'referral-office' }, draft.office_error || '未找到接收机构'),
        office && office.phone ? h('span', { class: 'muted small' }, ' ' + office.phone) : null),
      h('label', {}, '摘要 ', h('textarea', { id: 'referral-summary', rows: 2, maxlength: 2000, required: true }, $('case-summary').value.trim() || draft.summary || '')),
      h('label', {}, '事实与请求（来自对话，可修改） ', h('textarea', { id: 'referral-facts', rows: 3, maxlength: 5000 }, draft.facts || '')),
      h('div', { class: 'row' }, h('label', { class: 'grow' }, '申请人姓名 ', h('input', { id: 'referral-name', value: applicant.name || '', maxlength: 64 })),
        h('label', { class: 'grow' }, '联系电话 ', h('input', { id: 'referral-phone', value: applicant.phone || '', maxlength: 32 }))),
    ];
    if (kind === 'legal_aid') {
      const app = draft.application || {};
      const fs = h('fieldset', { id: 'referral-application' }, h('legend', {}, '法律援助申请信息（虚线框为根据对话推测，请核实）'),
        h('div', { class: 'row' },
          field('省份', 'province', selectOf(pairs(meta.provinces), app.province, '请选择…'), guessed),
          field('申请人年龄', 'applicant.age', h('input', { type: 'number', min: 0, max: 150, class: 'tiny', value: getPath(app, 'applicant.age') ?? '' }), guessed),
          field('已有代理人', 'has_representative', h('input', { type: 'checkbox', checked: !!app.has_representative }), guessed),
          field('残疾', 'applicant.disabled', h('input', { type: 'checkbox', checked: !!getPath(app, 'applicant.disabled') }), guessed),
          field('进城务工人员', 'applicant.migrant_worker', h('input', { type: 'checkbox', checked: !!getPath(app, 'applicant.migrant_worker') }), guessed)),
        h('div', { class: 'small muted' }, '申请事项'), checkGroup('matter_types', pairs(meta.matter_types), app.matter_types, guessed),
        field('事项说明', 'matter_description', h('input', { value: app.matter_description || '', maxlength: 500 }), guessed),
        h('div', { class: 'small muted' }, '社会救助'), checkGroup('applicant.assistance', pairs(meta.assistance), getPath(app, 'applicant.assistance'), guessed),
        h('div', { class: 'row' },
          field('家庭人数', 'economy.household_size', h('input', { type: 'number', min: 1, class: 'tiny', value: getPath(app, 'economy.household_size') ?? '' }), guessed),
          field('家庭月收入(元)', 'economy.household_monthly_income', h('input', { type: 'number', min: 0, class: 'short', value: getPath(app, 'economy.household_monthly_income') ?? '' }), guessed),
          field('已作诚信承诺', 'economy.integrity_pledge', h('input', { type: 'checkbox', checked: !!getPath(app, 'economy.integrity_pledge') }), guessed)),
        h('div', { class: 'row' },
          field('期限日期', 'deadline_date', h('input', { type: 'date', value: app.deadline_date || '' }), guessed),
          field('期限类型', 'deadline_kind', selectOf([['limitation', '诉讼时效'], ['arbitration', '仲裁时效'], ['appeal', '上诉期'], ['reconsideration', '复议期'], ['litigation', '起诉期'], ['other', '其他']], app.deadline_kind, '无'), guessed),
          field('需财产/证据保全', 'preservation_needed', h('input', { type: 'checkbox', checked: !!app.preservation_needed }), guessed)),
        h('div', { class: 'row' }, h('button', { type: 'button', class: 'small', id: 'referral-assess', onclick: assessAgain }, '重新评估'),
          h('div', { class: 'assessment grow', id: 'referral-assessment' })));
      parts.push(fs);
    } else {
      parts.push(h('fieldset', { id: 'referral-consent' }, h('legend', {}, '当事人同意（人民调解须当事人自愿）'),
        h('label', { class: 'inline' }, h('input', { type: 'checkbox', id: 'consent-given' }), '市民已同意将纠纷转交人民调解'),
        h('div', { class: 'row' }, h('label', {}, '确认方式 ', selectOf(pairs(meta.consent_methods), contact.channel === 'call' ? 'call' : 'chat')),
          h('label', { class: 'grow' }, '说明 ', h('input', { id: 'consent-note', maxlength: 200, placeholder: '如：市民在对话中明确同意' })))));
      if (draft.mediable === false) parts.push(h('p', { class: 'error' }, '该类别通常不适宜人民调解，提交可能被拒绝。'));
    }
    $('referral-fields').replaceChildren(...parts);
    const consentSelect = document.querySelector('#referral-consent select'); if (consentSelect) consentSelect.id = 'consent-method';
    renderAssessment(draft.assessment);
  }
  function currentApplication() {
    const app = JSON.parse(JSON.stringify(R.draft.application || {}));
    readFields($('referral-application'), app);
    if (app.economy && app.economy.household_size == null && app.economy.household_monthly_income == null && !app.economy.integrity_pledge) app.economy = null;
    if (!app.deadline_date) { app.deadline_date = null; app.deadline_kind = null; }
    return app;
  }
  function showReferralError(e) {
    const errs = (e.data && e.data.errors) || [];
    $('referral-error').replaceChildren(e.message, ...(errs.length ? [h('ul', { class: 'small' }, errs.map((x) => h('li', {}, (x.field ? x.field + '：' : '') + x.message)))] : []));
  }
  async function assessAgain() {
    try { renderAssessment(await api('POST', '/api/referrals/assess', currentApplication())); $('referral-error').textContent = ''; }
    catch (e) { showReferralError(e); }
  }
  async function openReferral(kind) {
    const contact = S.contacts.get(S.current); if (!contact || !contact.case_id) return;
    try {
      R.meta = R.meta || await api('GET', '/api/referrals/meta');
      R.draft = await api('GET', '/api/cases/' + contact.case_id + '/referral-draft?type=' + kind);
    } catch (e) { toast(e.status === 404 && !R.meta ? '转介服务暂不可用' : e.message, 'error'); return; }
    Object.assign(R, { kind, contact });
    buildReferralForm();
    $('referral-dialog').showModal();
  }
  $('referral-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const { draft, kind, contact } = R;
    const parties = JSON.parse(JSON.stringify(draft.parties || []));
    let applicant = parties.find((p) => p.role === 'applicant');
    if (!applicant) { applicant = { role: 'applicant', name: '', phone: '', address: '', description: '' }; parties.unshift(applicant); }
    applicant.name = $('referral-name').value.trim(); applicant.phone = $('referral-phone').value.trim();
    const body = { type: kind, office_id: draft.suggested_office ? draft.suggested_office.id : null, contact_id: contact.id,
      summary: $('referral-summary').value.trim(), facts: $('referral-facts').value.trim(), parties };
    if (kind === 'legal_aid') body.application = currentApplication();
    else {
      if (!$('consent-given').checked) { $('referral-error').textContent = '人民调解须经市民同意，请先确认市民已同意'; return; }
      body.consent = { given: true, method: $('consent-method').value, note: $('consent-note').value.trim() };
    }
    $('referral-submit').disabled = true;
    try {
      const out = await api('POST', '/api/cases/' + contact.case_id + '/referrals', body);
      $('referral-dialog').close();
      toast('已转介：' + (out.reference || '') + ' → ' + ((out.office && out.office.name) || ''), 'ok');
      loadCase(contact.case_id);
    } catch (err) { showReferralError(err); }
    finally { $('referral-submit').disabled = false; }
  });
  $('refer-legal-aid').addEventListener('click', () => openReferral('legal_aid'));
  $('refer-mediation').addEventListener('click', () => openReferral('mediation'));

  // -- callbacks (回电 / 留言) ------------------------------------------------------------------------
  // docs/routing.md "Callbacks": GET /api/routing/callbacks (open and claimed, oldest first, the
  // citizen's words redacted), POST …/{id}/claim, POST …/{id}/done {outcome}. The list reloads on the
  // socket's callback events, when the routing state's callbacks_open changes, and after each action.
  const CB = { rows: [], count: null, names: new Map(), loading: false, again: false, timer: null, loaded: false, doneId: null };
  const RECORDING_LINE = /(?:^|\n)\s*录音[：:]\s*(\S+)/;
  function lawyerName(id) {
    if (CB.names.has(id)) return CB.names.get(id);
    const l = S.meta && S.meta.lawyers.find((x) => x.id === id);
    return l ? l.name : '其他律师';
  }
  // A voice message's recording: a `recording_url` field if the API gives one, else the "录音：URL"
  // line of the note. The note is redacted, so digits in the URL may have been replaced by
  // placeholders (【电话】…); such a URL is broken and is not linked.
  function recordingOf(cb) {
    if (cb.recording_url) return { url: cb.recording_url, usable: /^https?:\/\//.test(cb.recording_url) };
    const m = (cb.note || '').match(RECORDING_LINE);
    if (!m) return null;
    return { url: m[1], usable: /^https?:\/\/[^\s【】]+$/.test(m[1]) };
  }
  function noteOf(cb) { return (cb.note || '').replace(new RegExp(RECORDING_LINE.source, 'g'), '').trim(); }
  function kindOf(cb) {
    if (cb.channel === 'chat') return '文字留言';
    return /^语音留言/.test(cb.note || '') ? '语音留言' : '需回电';
  }
  function refreshCallbacks() { clearTimeout(CB.timer); CB.timer = setTimeout(loadCallbacks, 120); }
  async function loadCallbacks() {
    if (CB.loading) { CB.again = true; return; }
    CB.loading = true;
    try {
      const rows = await attempt(() => api('GET', '/api/routing/callbacks'));
      if (rows) { CB.rows = rows; CB.loaded = true; renderCallbacks(); }
    } finally {
      CB.loading = false;
      if (CB.again) { CB.again = false; loadCallbacks(); }
    }
  }
  function callbackStatus(cb) {
    if (cb.status !== 'claimed') return h('span', { class: 'badge warn', 'data-role': 'status' }, '待认领');
    if (cb.assigned_to === ME) return h('span', { class: 'badge ok', 'data-role': 'status' }, '我已认领');
    return h('span', { class: 'badge', 'data-role': 'status' }, '已由' + lawyerName(cb.assigned_to) + '认领');
  }
  function callbackItem(cb) {
    const mine = cb.status === 'claimed' && cb.assigned_to === ME;
    const taken = cb.status === 'claimed' && !mine;
    const note = noteOf(cb);
    const lines = (cb.transcript || []).filter((t) => t && !note.includes(t));
    const rec = recordingOf(cb);
    const channel = cb.channel === 'call' ? '电话' : '在线';
    const tools = h('div', { class: 'tools' },
      mine ? null : h('button', { type: 'button', class: 'small' + (taken ? '' : ' primary'), 'data-action': 'claim',
        title: taken ? '已由其他律师认领' : '认领后由您回电或回复', onclick: () => claimCallback(cb) }, '认领'),
      taken ? null : h('button', { type: 'button', class: 'small ok', 'data-action': 'done', onclick: () => openCallbackDone(cb) }, '已回电'));
    return h('li', { class: 'callback' + (mine ? ' mine' : '') + (taken ? ' taken' : ''), tabindex: 0,
      dataset: { callbackId: cb.id, contactId: cb.contact_id, status: cb.status } },
      h('div', { class: 'row' }, h('strong', {}, channel), h('span', { class: 'badge' }, kindOf(cb)), callbackStatus(cb),
        h('span', { class: 'grow' }),
        h('time', { class: 'small muted', datetime: cb.created_at, title: '进入回电列表的时间' }, localTime(cb.created_at))),
      note ? h('div', { class: 'cb-note small', 'data-role': 'note' }, note) : null,
      lines.length ? h('ul', { class: 'cb-lines small', 'aria-label': '市民最近的发言（已隐去个人信息）' },
        lines.map((t) => h('li', {}, t))) : null,
      !note && !lines.length ? h('div', { class: 'small muted' }, '（市民未留下文字内容）') : null,
      rec ? (rec.usable
        ? h('a', { class: 'small recording', href: rec.url, target: '_blank', rel: 'noopener noreferrer' }, '收听录音')
        : h('div', { class: 'small muted recording' }, '有录音（链接含号码已隐去，无法在此打开）')) : null,
      tools);
  }
  function renderCallbacks() {
    const list = $('callback-list');
    // keep the keyboard focus on the same item / button across a reload
    const active = document.activeElement;
    let refocus = null;
    if (active && list.contains(active)) {
      const li = active.closest('li.callback');
      refocus = li ? { id: li.dataset.callbackId, action: active.dataset.action || null } : { id: null };
    }
    list.replaceChildren();
    $('callback-count').textContent = CB.rows.length ? '（' + CB.rows.length + '）' : '';
    if (!CB.rows.length) {
      list.append(h('li', { class: 'empty', tabindex: refocus ? 0 : null }, '暂无待回电或留言'));
    } else {
      for (const cb of CB.rows) list.append(callbackItem(cb));
    }
    if (refocus) {
      const li = refocus.id && list.querySelector('li.callback[data-callback-id="' + refocus.id + '"]');
      const target = (li && refocus.action && li.querySelector('[data-action="' + refocus.action + '"]')) || li ||
        list.querySelector('li.callback') || list.firstElementChild;
      if (target) target.focus();
    }
  }
  async function claimCallback(cb) {
    const ok = await attempt(() => api('POST', '/api/routing/callbacks/' + cb.id + '/claim'), '已认领，请尽快回电或回复');
    if (!ok) { loadCallbacks(); return; }  // e.g. 409: someone else took it — show the list as it is now
    await loadCallbacks();
  }
  function openCallbackDone(cb) {
    CB.doneId = cb.id;
    $('callback-dialog-info').textContent = (cb.channel === 'call' ? '电话' : '在线') + ' · ' + kindOf(cb) + ' · ' +
      localTime(cb.created_at) + '：请填写回电或回复的处理结果，提交后该条目将从列表中移除。';
    $('callback-outcome').value = '';
    $('callback-outcome').removeAttribute('aria-invalid');
    $('callback-dialog').showModal();
    $('callback-outcome').focus();
  }
  $('callback-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const outcome = $('callback-outcome').value.trim();
    if (!outcome) {
      $('callback-outcome').setAttribute('aria-invalid', 'true');
      toast('请填写回电处理结果', 'error'); $('callback-outcome').focus(); return;
    }
    const id = CB.doneId; if (!id) return;
    $('callback-submit').disabled = true;
    try {
      const ok = await attempt(() => api('POST', '/api/routing/callbacks/' + id + '/done', { outcome }), '已记录回电结果');
      if (ok) { $('callback-dialog').close(); CB.doneId = null; }
      await loadCallbacks();
    } finally { $('callback-submit').disabled = false; }
  });
  $('callback-dialog').addEventListener('close', () => {
    const li = $('callback-list').querySelector('li.callback[data-callback-id="' + CB.doneId + '"]');
    if (li) li.focus(); else focusCallbacks();
  });
  function focusCallbacks() {
    const first = $('callback-list').querySelector('li.callback');
    if (first) first.focus();
    else { const empty = $('callback-list').firstElementChild; if (empty) { empty.tabIndex = 0; empty.focus(); } }
  }
  $('callback-list').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const li = e.target.closest && e.target.closest('li.callback'); if (!li || li !== e.target) return;
    const next = e.key === 'ArrowDown' ? li.nextElementSibling : li.previousElementSibling;
    if (next) { e.preventDefault(); next.focus(); }
  });

  // -- keyboard shortcuts -----------------------------------------------------------------------------
  function typing(el) { return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable); }
  document.addEventListener('keydown', (e) => {
    // Autofill and some IMEs send keydown events without a key: nothing to do for them.
    if (typeof e.key !== 'string' || !e.key) return;
    const anyDialog = document.querySelector('dialog[open]');
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.target === $('reply-text')) { e.preventDefault(); sendReply(); return; }
    if (e.key.toLowerCase() === 's' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); if (S.current) saveCase(); return; }
    if (e.altKey && /^[1-9]$/.test(e.key)) {
      const c = [...S.contacts.values()][Number(e.key) - 1]; if (c) { e.preventDefault(); select(c.id); } return;
    }
    if (e.key === 'Escape') {
      if (anyDialog) return;  // the dialog closes itself
      for (const r of document.querySelectorAll('.reasons:not(.hidden)')) r.classList.add('hidden');
      if (typing(document.activeElement)) document.activeElement.blur();
      return;
    }
    if (anyDialog || typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '?') { e.preventDefault(); $('help').showModal(); }
    else if (e.key === '/') { e.preventDefault(); $('search-input').focus(); }
    else if (e.key === 'c' || e.key === 'C') { e.preventDefault(); focusCallbacks(); }
    else if ((e.key === 'a' || e.key === 'A') && S.offer) { e.preventDefault(); acceptOffer(); }
    else if ((e.key === 'r' || e.key === 'R') && S.offer) { e.preventDefault(); rejectOffer(); }
  });
  $('help-open').addEventListener('click', () => $('help').showModal());

  // -- live events ------------------------------------------------------------------------------------
  function onEvent(ev) {
    switch (ev.type) {
      case 'hello': onRoutingState(ev.state || {}); break;
      case 'state': onRoutingState(ev); break;
      case 'presence': if (ev.user_id === ME) setMyState(ev.state); break;
      case 'offer': showOffer(ev); break;
      case 'offer_timeout': case 'offer_cancelled':
        if (S.offer && S.offer.offer_id === ev.offer_id) { hideOffer(); toast(ev.type === 'offer_timeout' ? '分配已超时，已转给其他律师' : '该咨询已取消'); }
        break;
      case 'assigned':
        loadContacts().then(() => { if (ev.transferred_from) toast('收到转接的咨询：' + (ev.reason || '')); select(ev.contact_id); });
        break;
      case 'transferred': toast('咨询已转出'); loadContacts(); break;
      case 'wrapup': showWrapup(ev.contact_id); loadContacts(); break;
      case 'utterance': {
        addMessage(ev.contact_id, ev);
        const c = S.contacts.get(ev.contact_id);
        if (c && ev.contact_id !== S.current && ev.speaker === 'citizen') { c.unread = true; renderContacts(); }
        if (c && ev.speaker === 'citizen' && !c.preview) { c.preview = ev.text.slice(0, 80); renderContacts(); }
        break;
      }
      case 'partial': setPartial(ev); break;
      case 'suggestions': {
        const have = S.suggestions.get(ev.contact_id);
        if (!have || ev.batch >= have.batch) S.suggestions.set(ev.contact_id, ev);
        if (ev.contact_id === S.current && !S.searchHits) renderSuggestions();
        break;
      }
      case 'status': {
        const c = S.contacts.get(ev.contact_id);
        if (c && ev.status === 'ended') {
          c.status = 'ended'; c.ended_at = c.ended_at || new Date().toISOString();
          renderContacts(); if (ev.contact_id === S.current) { renderHead(); $('reply-form').classList.add('hidden'); }
        }
        break;
      }
      case 'callback': case 'callback_claimed': case 'callback_done': refreshCallbacks(); break;
      case 'callback_handover': toast('一条回电已转交给您（原认领律师已下班）'); refreshCallbacks(); break;
      case 'error': toast(ev.message || '出错了', 'error'); break;
      default: break;
    }
  }

  async function init() {
    S.meta = await attempt(() => api('GET', '/api/console/meta'));
    if (!S.meta) return;
    for (const c of S.meta.categories) $('case-category').append(h('option', { value: c.code }, c.name));
    for (const sel of [$('case-disposition'), $('end-disposition'), $('wrapup-disposition')]) {
      for (const d of S.meta.dispositions) sel.append(h('option', { value: d }, d));
    }
    S.socket = Staff.staffSocket({
      onOpen: () => {
        $('conn-dot').classList.add('up'); $('conn-text').textContent = '已连接';
        for (const id of S.contacts.keys()) S.socket.send({ type: 'watch', contact_id: id });
        loadContacts();
        refreshCallbacks();
      },
      onClose: () => { $('conn-dot').classList.remove('up'); $('conn-text').textContent = '连接断开，重连中…'; },
      onEvent,
    });
    window.__console = S;  // for debugging in the browser console
  }
  init();
})();
