// Safety rules (managers): list, edit and add. The words fire the rule; the guidance is shown to
// the citizen at once; the priority moves the contact up the queue.
(function () {
  'use strict';
  const { h, api, attempt } = window.Staff;
  const $ = (id) => document.getElementById(id);
  let rules = [];

  function render() {
    const body = $('rules'); body.replaceChildren();
    if (!rules.length) body.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, '暂无规则')));
    for (const r of rules) {
      body.append(h('tr', { dataset: { code: r.code }, onclick: () => edit(r), tabindex: 0 },
        h('td', {}, r.code), h('td', {}, r.label), h('td', {}, String(r.priority)),
        h('td', { class: 'small' }, r.words.join('、')), h('td', {}, r.enabled ? '是' : '否'), h('td', {}, String(r.version))));
    }
  }
  function edit(r) {
    $('rule-code').value = r.code; $('rule-code').readOnly = true;
    $('rule-label').value = r.label; $('rule-priority').value = r.priority; $('rule-enabled').checked = r.enabled;
    $('rule-words').value = r.words.join('\n'); $('rule-guidance').value = r.guidance;
  }
  async function load() {
    const rows = await attempt(() => api('GET', '/api/safety/rules'));
    if (rows) { rules = rows; render(); }
  }
  $('rule-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { label: $('rule-label').value.trim(), priority: Number($('rule-priority').value),
      enabled: $('rule-enabled').checked, guidance: $('rule-guidance').value.trim(),
      words: $('rule-words').value.split('\n').map((w) => w.trim()).filter(Boolean) };
    const code = $('rule-code').value.trim();
    const existing = rules.find((r) => r.code === code);
    const out = existing
      ? await attempt(() => api('PUT', '/api/safety/rules/' + existing.id, body), '已保存 ' + code)
      : await attempt(() => api('POST', '/api/safety/rules', { code, ...body }), '已新增 ' + code);
    if (out) { $('rule-form').reset(); $('rule-code').readOnly = false; await load(); }
  });
  load();
})();
