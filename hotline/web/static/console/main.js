// The lawyer console (entry module, loaded with <script type="module">; no build step): presence,
// offers (with a beep), the running contacts, keyboard shortcuts, the staff socket's live events.
// The panels are modules of their own: conversation, suggestions, case, referral, callbacks,
// transfer (transfer, end, wrap-up).
import { h, api, attempt, toast, localTime, $, ME, STATE_LABELS, S, categoryName } from './shared.js';
import { addMessage, renderConversation, setPartial, sendReply } from './conversation.js';
import { renderSuggestions, stashSearch, restoreSearch } from './suggestions.js';
import { loadCase, saveCase } from './case.js';
import { showWrapup, hideWrapup } from './transfer.js';
import { CB, refreshCallbacks, focusCallbacks } from './callbacks.js';
import { stashDraft, restoreDraft } from './drafts.js';
import { composing } from './keys.js';
import './referral.js';  // the referral dialog: its buttons' listeners

// -- sound: a short two-tone beep made in the browser (no audio files) ---------------------------
export let audio = null;
window.__consoleBeeps = 0;
export function beep() {
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
export function setMyState(state) {
  S.myState = state;
  const badge = $('my-state');
  badge.textContent = STATE_LABELS[state] || state || '—';
  badge.className = 'badge state-' + state;
  for (const b of document.querySelectorAll('.presence button')) b.classList.toggle('on', b.dataset.state === state);
}
export function onRoutingState(snapshot) {
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
export function showOffer(ev) {
  S.offer = ev;
  $('offer-channel').textContent = window.Channels.long(ev.channel);
  $('offer-category').textContent = categoryName(ev.category) + (ev.safety && ev.safety.length ? ' · ⚠ ' + ev.safety.join('、') : '');
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
  // never take the keyboard from a lawyer who is typing (a reply, a case note, a search)
  if (!typing(document.activeElement)) $('offer-accept').focus({ preventScroll: true });
}
export function hideOffer() {
  S.offer = null;
  clearInterval(S.offerTimer); clearInterval(S.beepTimer);
  $('offer').classList.add('hidden');
}
export async function acceptOffer() {
  const offer = S.offer; if (!offer) return;
  hideOffer();
  const ok = await attempt(() => api('POST', '/api/routing/offers/' + offer.offer_id + '/accept'));
  if (ok) { await loadContacts(); select(offer.contact_id); }
}
export async function rejectOffer() {
  const offer = S.offer; if (!offer) return;
  hideOffer();
  await attempt(() => api('POST', '/api/routing/offers/' + offer.offer_id + '/reject'), '已拒绝该分配');
}
$('offer-accept').addEventListener('click', acceptOffer);
$('offer-reject').addEventListener('click', rejectOffer);

// -- contacts ---------------------------------------------------------------------------------------
export async function loadContacts() {
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
export function renderContacts() {
  const list = $('contact-list'); list.replaceChildren();
  const rows = [...S.contacts.values()];
  $('contact-count').textContent = rows.length ? '（' + rows.length + '）' : '';
  if (!rows.length) { list.append(h('li', { class: 'empty' }, '暂无进行中的咨询')); return; }
  rows.forEach((c, i) => {
    list.append(h('li', { class: c.id === S.current ? 'current' : '', dataset: { contactId: c.id }, tabindex: 0,
      onclick: () => select(c.id), onkeydown: (e) => { if (e.key === 'Enter') select(c.id); } },
      h('div', { class: 'row' }, h('strong', {}, (i + 1) + '. ' + window.Channels.label(c.channel)),
        h('span', { class: 'badge' }, c.category_name || categoryName(c.category)),
        c.safety && c.safety.length ? h('span', { class: 'badge danger safety-flag', title: '安全预警' }, '⚠ ' + c.safety.join('、')) : null,
        c.status === 'ended' || c.ended_at ? h('span', { class: 'badge warn' }, '已结束') : null,
        c.unread ? h('span', { class: 'unread', title: '有新消息' }) : null),
      h('div', { class: 'small muted' }, c.case_reference || ''),
      h('div', { class: 'small preview' }, (c.preview && c.preview_speaker === 'lawyer' ? '我：' : '') + (c.preview || ''))));
  });
}
export function clearCurrent() {
  stashDraft(); stashSearch(); S.current = null; restoreDraft(); restoreSearch(); window.ContactContext.clear();
  $('contact-head').replaceChildren(h('span', { class: 'muted' }, '当前没有选中的咨询'));
  $('conversation').replaceChildren();
  $('reply-form').classList.add('hidden'); $('call-note').classList.add('hidden');
  $('case-form').classList.add('hidden'); $('case-empty').classList.remove('hidden');
  $('case-ref').textContent = ''; $('case-status').textContent = '';
  renderSuggestions();
}
export async function select(id) {
  const c = S.contacts.get(id); if (!c) return;
  if (S.current !== id) { stashDraft(); stashSearch(); S.current = id; restoreDraft(); restoreSearch(); renderSuggestions(); }
  c.unread = false;
  renderContacts(); renderHead();
  const ended = c.status === 'ended' || !!c.ended_at;
  $('reply-form').classList.toggle('hidden', !window.Channels.textual(c.channel) || ended);
  window.ContactContext.show(id);
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
export function renderHead() {
  const c = S.contacts.get(S.current); if (!c) return;
  $('contact-head').replaceChildren(...[
    h('strong', {}, window.Channels.long(c.channel)),
    h('span', { class: 'badge' }, c.category_name || categoryName(c.category)),
    h('span', { class: 'muted small' }, c.case_reference || ''),
    h('span', { class: 'muted small' }, c.answered_at ? '接入 ' + localTime(c.answered_at) : ''),
    c.status === 'ended' || c.ended_at ? h('span', { class: 'badge warn' }, '已结束') : null].filter(Boolean));
}

// -- keyboard shortcuts -----------------------------------------------------------------------------
export function typing(el) { return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable); }
document.addEventListener('keydown', (e) => {
  // Autofill and some IMEs send keydown events without a key: nothing to do for them.
  if (typeof e.key !== 'string' || !e.key) return;
  const anyDialog = document.querySelector('dialog[open]');
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.target === $('reply-text') && !composing(e)) { e.preventDefault(); sendReply(); return; }
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
  // single-key shortcuts: never while typing in a field or while an input method composes
  // (the first letter of much pinyin is "a": it must not accept an offer mid-reply)
  if (anyDialog || typing(e.target) || typing(document.activeElement) || composing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '?') { e.preventDefault(); $('help').showModal(); }
  else if (e.key === '/') { e.preventDefault(); $('search-input').focus(); }
  else if (e.key === 'c' || e.key === 'C') { e.preventDefault(); focusCallbacks(); }
  else if ((e.key === 'a' || e.key === 'A') && S.offer) { e.preventDefault(); acceptOffer(); }
  else if ((e.key === 'r' || e.key === 'R') && S.offer) { e.preventDefault(); rejectOffer(); }
});
$('help-open').addEventListener('click', () => $('help').showModal());

// -- live events ------------------------------------------------------------------------------------
export function onEvent(ev) {
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
      // the list previews the latest message (the server's preview after a reload says the same)
      if (c && (ev.speaker === 'citizen' || ev.speaker === 'lawyer') && ev.text) {
        c.preview = ev.text.slice(0, 80); c.preview_speaker = ev.speaker; renderContacts();
      }
      break;
    }
    case 'partial': setPartial(ev); break;
    case 'safety': { const c = S.contacts.get(ev.contact_id); if (c) { c.safety = ev.labels; renderContacts(); } break; }
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
