// The callback list (回电 / 留言): contacts that came in while nobody was on duty, voice messages.
import { h, api, attempt, toast, localTime, $, ME, S } from './shared.js';

// -- callbacks (回电 / 留言) ------------------------------------------------------------------------
// docs/routing.md "Callbacks": GET /api/routing/callbacks (open and claimed, oldest first, the
// citizen's words redacted), POST …/{id}/claim, POST …/{id}/done {outcome}. The list reloads on the
// socket's callback events, when the routing state's callbacks_open changes, and after each action.
export const CB = { rows: [], count: null, names: new Map(), loading: false, again: false, timer: null, loaded: false, doneId: null };
export const RECORDING_LINE = /(?:^|\n)\s*录音[：:]\s*(\S+)/;
export function lawyerName(id) {
  if (CB.names.has(id)) return CB.names.get(id);
  const l = S.meta && S.meta.lawyers.find((x) => x.id === id);
  return l ? l.name : '其他律师';
}
// A voice message's recording: a `recording_url` field if the API gives one, else the "录音：URL"
// line of the note. The note is redacted, so digits in the URL may have been replaced by
// placeholders (【电话】…); such a URL is broken and is not linked.
export function recordingOf(cb) {
  if (cb.recording_url) return { url: cb.recording_url, usable: /^https?:\/\//.test(cb.recording_url) };
  const m = (cb.note || '').match(RECORDING_LINE);
  if (!m) return null;
  return { url: m[1], usable: /^https?:\/\/[^\s【】]+$/.test(m[1]) };
}
export function noteOf(cb) { return (cb.note || '').replace(new RegExp(RECORDING_LINE.source, 'g'), '').trim(); }
export function kindOf(cb) {
  if (cb.channel === 'chat') return '文字留言';
  return /^语音留言/.test(cb.note || '') ? '语音留言' : '需回电';
}
export function refreshCallbacks() { clearTimeout(CB.timer); CB.timer = setTimeout(loadCallbacks, 120); }
export async function loadCallbacks() {
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
export function callbackStatus(cb) {
  if (cb.status !== 'claimed') return h('span', { class: 'badge warn', 'data-role': 'status' }, '待认领');
  if (cb.assigned_to === ME) return h('span', { class: 'badge ok', 'data-role': 'status' }, '我已认领');
  return h('span', { class: 'badge', 'data-role': 'status' }, '已由' + lawyerName(cb.assigned_to) + '认领');
}
export function callbackItem(cb) {
  const mine = cb.status === 'claimed' && cb.assigned_to === ME;
  const taken = cb.status === 'claimed' && !mine;
  const note = noteOf(cb);
  const lines = (cb.transcript || []).filter((t) => t && !note.includes(t));
  const rec = recordingOf(cb);
  const channel = window.Channels.label(cb.channel);
  const tools = h('div', { class: 'tools' },
    mine ? null : h('button', { type: 'button', class: 'small' + (taken ? '' : ' primary'), 'data-action': 'claim',
      title: taken ? '已由其他律师认领' : '认领后由您回电或回复', onclick: () => claimCallback(cb) }, '认领'),
    taken ? null : h('button', { type: 'button', class: 'small ok', 'data-action': 'done', onclick: () => openCallbackDone(cb) }, '已回电'));
  return h('li', { class: 'callback' + (mine ? ' mine' : '') + (taken ? ' taken' : ''), tabindex: 0,
    dataset: { callbackId: cb.id, contactId: cb.contact_id, status: cb.status } },
    h('div', { class: 'row' }, h('strong', {}, channel), h('span', { class: 'badge' }, kindOf(cb)), callbackStatus(cb),
      h('span', { class: 'grow' }),
      h('time', { class: 'small muted', datetime: cb.created_at, title: '进入回电列表的时间' }, localTime(cb.created_at))),
    cb.phone ? h('div', { class: 'cb-phone small', 'data-role': 'phone' }, '回电号码：' + cb.phone) : null,
    note ? h('div', { class: 'cb-note small', 'data-role': 'note' }, note) : null,
    lines.length ? h('ul', { class: 'cb-lines small', 'aria-label': '市民最近的发言（已隐去个人信息）' },
      lines.map((t) => h('li', {}, t))) : null,
    !note && !lines.length ? h('div', { class: 'small muted' }, '（市民未留下文字内容）') : null,
    rec ? (rec.usable
      ? h('a', { class: 'small recording', href: rec.url, target: '_blank', rel: 'noopener noreferrer' }, '收听录音')
      : h('div', { class: 'small muted recording' }, '有录音（链接含号码已隐去，无法在此打开）')) : null,
    tools);
}
export function renderCallbacks() {
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
export async function claimCallback(cb) {
  const ok = await attempt(() => api('POST', '/api/routing/callbacks/' + cb.id + '/claim'), '已认领，请尽快回电或回复');
  if (!ok) { loadCallbacks(); return; }  // e.g. 409: someone else took it — show the list as it is now
  await loadCallbacks();
}
export function openCallbackDone(cb) {
  CB.doneId = cb.id;
  $('callback-dialog-info').textContent = window.Channels.label(cb.channel) + ' · ' + kindOf(cb) + ' · ' +
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
export function focusCallbacks() {
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
