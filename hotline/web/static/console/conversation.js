// The conversation panel: the live transcript or chat thread, partial results, the lawyer's reply.
import { h, api, attempt, localTime, $, SPEAKERS, S } from './shared.js';
import { sentDraft } from './drafts.js';

// -- conversation -----------------------------------------------------------------------------------
export function addMessage(contactId, u, render) {
  if (!S.messages.has(contactId)) S.messages.set(contactId, new Map());
  S.messages.get(contactId).set(u.id, u);
  const parts = S.partials.get(contactId);
  if (parts) for (const [seg, p] of parts) if (p.speaker === u.speaker) parts.delete(seg);
  if (render !== false && contactId === S.current) renderConversation();
}
export function renderConversation() {
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
export function setPartial(ev) {
  if (!S.partials.has(ev.contact_id)) S.partials.set(ev.contact_id, new Map());
  const parts = S.partials.get(ev.contact_id);
  if (ev.text) parts.set(String(ev.segment_id), { speaker: ev.speaker, text: ev.text }); else parts.delete(String(ev.segment_id));
  if (ev.contact_id === S.current) renderConversation();
}
export async function sendReply() {
  // the text and the contact are read together: the draft in the box belongs to S.current
  const id = S.current; const text = $('reply-text').value.trim();
  if (!text || id == null) return;
  $('reply-send').disabled = true;
  const clientId = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
  const out = await attempt(() => api('POST', '/api/contacts/' + id + '/messages', { text, client_id: clientId }));
  $('reply-send').disabled = false;
  if (out) { sentDraft(id); addMessage(id, out); window.ContactContext.delivered(out); }
}
$('reply-form').addEventListener('submit', (e) => { e.preventDefault(); sendReply(); });
