// The answer-assist panel: suggestions (shown / clicked / copied / rated are all logged by the
// server) and the manual knowledge-base search.
import { h, api, attempt, toast, articleHref, $, REASONS, S } from './shared.js';

// -- suggestions ------------------------------------------------------------------------------------
export function citation(item) {
  if (item.kind === 'faq') return item.answer || item.question || '';
  const version = item.version ? '（' + item.version + '版）' : '';
  return '根据《' + (item.title || item.law) + '》' + item.article_no + version + '：' + (item.text || '');
}
export function itemTitle(item) {
  if (item.kind === 'faq') return item.question || item.title;
  return '《' + (item.title || item.law || '') + '》' + (item.article_no || '');
}
export async function logAction(item, action, extra) {
  if (item.suggestion_id) {
    return api('POST', '/api/suggestions/' + item.suggestion_id + '/actions', Object.assign({ action }, extra || {}));
  }
  return api('POST', '/api/console/search-actions', { action, kind: item.kind, ref_id: item.id, contact_id: S.current });
}
export async function copyItem(item, card) {
  const text = citation(item);
  const c = S.contacts.get(S.current);
  if (c && window.Channels.textual(c.channel) && !$('reply-form').classList.contains('hidden')) {
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
export async function rateItem(item, card, rating, reason) {
  const ok = await attempt(() => logAction(item, 'rate', { rating, reason: reason || '' }));
  if (ok) { item.rating = rating; item.rating_reason = reason || ''; renderSuggestions(); toast(rating === 'helpful' ? '已标记为有帮助' : '已标记为无帮助：' + reason, 'ok'); }
}
export function suggestionCard(item, idx) {
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
export function renderSuggestions() {
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
  const asked = S.current;
  const out = await attempt(() => api('GET', url));
  if (!out) return;
  const hits = { query: q, confident: out.confident, items: out.hits };
  if (S.current !== asked) {  // the lawyer moved to another chat meanwhile: the hits stay with the one searched
    if (asked != null) S.searches.set(asked, { q, hits });
    return;
  }
  S.searchHits = hits;
  $('search-clear').classList.remove('hidden');
  renderSuggestions();
});
$('search-clear').addEventListener('click', () => { S.searchHits = null; $('search-clear').classList.add('hidden'); renderSuggestions(); });

// The manual search belongs to a chat: switching chats keeps its query and hits with the chat
// being left and shows the new chat's own (an empty box for a chat never searched).
S.searches = new Map();
export function stashSearch() {
  if (S.current == null) return;
  const q = $('search-input').value;
  if (q || S.searchHits) S.searches.set(S.current, { q, hits: S.searchHits }); else S.searches.delete(S.current);
}
export function restoreSearch() {
  const saved = S.current != null ? S.searches.get(S.current) : null;
  $('search-input').value = saved ? saved.q : '';
  S.searchHits = saved ? saved.hits : null;
  $('search-clear').classList.toggle('hidden', !S.searchHits);
}
