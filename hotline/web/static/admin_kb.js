// Knowledge-base admin: the backlog of missed questions, writing a FAQ answer linked to statute
// articles, publishing it into the running index, and checking that search now finds it.
(function () {
  'use strict';
  const { h, api, attempt, toast, localTime, articleHref } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const S = { selected: new Set(), statutes: new Map(), backlog: [] };

  function renderStatutes() {
    const box = $('faq-statutes'); box.replaceChildren();
    if (!S.statutes.size) { box.append(h('span', { class: 'muted small' }, '尚未关联')); return; }
    for (const [id, label] of S.statutes) {
      box.append(h('span', { class: 'chip', dataset: { id } }, label,
        h('button', { type: 'button', title: '移除', 'aria-label': '移除 ' + label, onclick: () => { S.statutes.delete(id); renderStatutes(); } }, '×')));
    }
  }
  function articleLabel(a) { return '《' + (a.title || a.law) + '》' + a.article_no + (a.version ? '（' + a.version + '版）' : ''); }

  function renderBacklog() {
    const box = $('backlog'); box.replaceChildren();
    $('backlog-count').textContent = S.backlog.length;
    if (!S.backlog.length) { box.append(h('div', { class: 'empty' }, $('show-resolved').checked ? '没有已处理的问题' : '目前没有待补充的问题')); return; }
    for (const item of S.backlog) {
      const el = h('div', { class: 'backlog-item' + (S.selected.has(item.id) ? ' selected' : ''), dataset: { id: item.id } },
        h('div', { class: 'row' }, h('span', { class: 'badge warn' }, item.reason_label),
          item.same_question > 1 ? h('span', { class: 'badge' }, '同类 ' + item.same_question) : null,
          h('span', { class: 'muted small' }, localTime(item.created_at)),
          h('span', { class: 'muted small' }, item.case_reference || ''),
          item.resolved_faq_id ? h('span', { class: 'badge ok' }, item.resolved_faq_id === 'dismissed' ? '已忽略' : '已解决：' + item.resolved_faq_id) : null),
        h('div', { class: 'question' }, item.question),
        item.shown.length ? h('div', { class: 'small muted' }, '当时的建议：', item.shown.slice(0, 4).map((s) =>
          (s.title || s.ref_id) + (s.rating === 'unhelpful' ? '（无帮助' + (s.reason ? '：' + s.reason : '') + '）' : '')).join('；')) : null);
      if (!item.resolved_at) {
        el.append(h('div', { class: 'row', style: 'margin-top:.3rem' },
          h('button', { type: 'button', class: 'small primary', 'data-action': 'answer', onclick: () => pick(item) }, S.selected.has(item.id) ? '已选中' : '为此撰写答案'),
          h('button', { type: 'button', class: 'small', 'data-action': 'dismiss', onclick: () => dismiss(item) }, '忽略（非知识缺口）')));
      }
      box.append(el);
    }
  }
  function pick(item) {
    if (S.selected.has(item.id)) S.selected.delete(item.id); else S.selected.add(item.id);
    if (!$('faq-question').value.trim()) $('faq-question').value = item.question.slice(0, 500);
    if (!$('article-q').value.trim()) $('article-q').value = item.question.slice(0, 100);
    $('faq-backlog-note').textContent = S.selected.size ? '发布后将关闭 ' + S.selected.size + ' 个待补充问题' : '';
    renderBacklog();
  }
  async function dismiss(item) {
    const ok = await attempt(() => api('POST', '/api/admin/kb/backlog/dismiss', { ids: [item.id] }), '已忽略');
    if (ok) { S.selected.delete(item.id); loadBacklog(); }
  }
  async function loadBacklog() {
    const rows = await attempt(() => api('GET', '/api/admin/kb/backlog?resolved=' + $('show-resolved').checked));
    if (rows) { S.backlog = rows; renderBacklog(); }
  }
  $('show-resolved').addEventListener('change', loadBacklog);

  async function searchArticles() {
    const q = $('article-q').value.trim(); if (!q) return;
    const out = await attempt(() => api('GET', '/api/kb/search?top=12&q=' + encodeURIComponent(q)));
    const list = $('article-hits'); list.replaceChildren();
    if (!out) return;
    const articles = out.hits.filter((x) => x.kind === 'article');
    if (!articles.length) list.append(h('li', { class: 'empty' }, '没有找到法条'));
    for (const a of articles) {
      list.append(h('li', { class: 'sugg', dataset: { ref: a.id } },
        h('div', { class: 'head' }, h('a', { class: 'title', href: articleHref(a.id), target: '_blank' }, articleLabel(a)),
          a.version ? null : h('span', { class: 'badge warn' }, '版本不详')),
        h('div', { class: 'text' }, a.text),
        h('div', { class: 'tools' }, h('button', { type: 'button', class: 'small', 'data-action': 'link',
          onclick: () => { S.statutes.set(a.id, articleLabel(a)); renderStatutes(); } }, '关联此条'))));
    }
  }
  $('article-search').addEventListener('click', searchArticles);
  $('article-q').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); searchArticles(); } });

  function reset() {
    $('faq-question').value = ''; $('faq-answer').value = ''; S.statutes.clear(); S.selected.clear();
    $('article-hits').replaceChildren(); $('faq-backlog-note').textContent = ''; renderStatutes(); renderBacklog();
  }
  $('faq-reset').addEventListener('click', reset);
  $('faq-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!S.statutes.size) { toast('请至少关联一条法条', 'error'); return; }
    const body = { question: $('faq-question').value.trim(), answer: $('faq-answer').value.trim(),
      statutes: [...S.statutes.keys()], backlog_ids: [...S.selected] };
    $('faq-publish').disabled = true;
    const out = await attempt(() => api('POST', '/api/admin/kb/faqs', body));
    $('faq-publish').disabled = false;
    if (!out) return;
    toast('已发布：' + out.faq_id + '，检索立即生效', 'ok');
    $('verify-q').value = body.question;
    reset(); loadBacklog(); loadFaqs();
  });

  async function verify() {
    const q = $('verify-q').value.trim(); if (!q) return;
    const out = await attempt(() => api('GET', '/api/kb/search?top=8&q=' + encodeURIComponent(q)));
    const list = $('verify-hits'); list.replaceChildren();
    if (!out) return;
    for (const x of out.hits) {
      list.append(h('li', { class: x.id.startsWith('hotline-') ? 'hotline-hit' : '' },
        x.kind === 'faq' ? h('span', { class: 'badge kind-faq' }, '问答') : h('span', { class: 'badge kind-article' }, '法条'), ' ',
        x.kind === 'faq' ? x.question : articleLabel(x), ' ', h('span', { class: 'muted' }, x.id.startsWith('hotline-') ? '【' + x.id + '】' : '')));
    }
  }
  $('verify-search').addEventListener('click', verify);
  $('verify-q').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); verify(); } });

  async function loadFaqs() {
    const rows = await attempt(() => api('GET', '/api/admin/kb/faqs'));
    const body = $('faqs'); body.replaceChildren();
    if (!rows) return;
    if (!rows.length) body.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, '还没有热线撰写的问答')));
    for (const f of rows) {
      body.append(h('tr', { dataset: { faqId: f.faq_id } }, h('td', { class: 'nowrap' }, f.faq_id), h('td', {}, f.question),
        h('td', { class: 'small' }, f.statutes.map((s) => s.split('/').pop()).join('、')), h('td', { class: 'nowrap small' }, localTime(f.created_at)),
        h('td', {}, f.published ? h('span', { class: 'badge ok' }, '已发布') : h('span', { class: 'badge' }, '已撤下')),
        h('td', {}, f.published ? h('button', { type: 'button', class: 'small danger', onclick: async () => {
          if (!confirm('撤下后律师将检索不到这条问答，确定吗？')) return;
          if (await attempt(() => api('DELETE', '/api/admin/kb/faqs/' + encodeURIComponent(f.faq_id)), '已撤下')) loadFaqs();
        } }, '撤下') : null)));
    }
  }

  loadBacklog(); loadFaqs(); renderStatutes();
})();
