// WeChat Official Accounts (admin): list and save. Secrets are write-only: the API says only
// whether each is set, and an empty field on save keeps the stored value.
(function () {
  'use strict';
  const { h, api, attempt } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const SET = (v) => (v ? '已设置' : '未设置');
  let accounts = [];

  function render() {
    const body = $('accounts'); body.replaceChildren();
    if (!accounts.length) body.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, '尚未配置公众号')));
    for (const a of accounts) {
      body.append(h('tr', { dataset: { name: a.name }, onclick: () => edit(a) },
        h('td', {}, a.name), h('td', {}, a.title), h('td', {}, a.app_id),
        h('td', {}, a.encrypt_mode === 'safe' ? '安全模式' : '明文模式'),
        h('td', {}, SET(a.secret_set)), h('td', {}, SET(a.token_set)), h('td', {}, SET(a.aes_key_set)),
        h('td', {}, a.active ? '是' : '否')));
    }
  }
  function edit(a) {
    $('wx-name').value = a.name; $('wx-title').value = a.title; $('wx-app-id').value = a.app_id;
    $('wx-mode').value = a.encrypt_mode; $('wx-active').checked = a.active;
    for (const id of ['wx-secret', 'wx-token', 'wx-aes-key']) { $(id).value = ''; $(id).placeholder = '留空表示不修改'; }
  }
  async function load() {
    const rows = await attempt(() => api('GET', '/api/wechat/accounts'));
    if (rows) { accounts = rows; render(); }
  }
  $('account-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: $('wx-name').value.trim(), title: $('wx-title').value.trim(), app_id: $('wx-app-id').value.trim(),
      encrypt_mode: $('wx-mode').value, active: $('wx-active').checked };
    for (const [id, key] of [['wx-secret', 'secret'], ['wx-token', 'token'], ['wx-aes-key', 'aes_key']]) {
      if ($(id).value) body[key] = $(id).value;
    }
    const exists = accounts.some((a) => a.name === body.name);
    const out = await attempt(() => api(exists ? 'PUT' : 'POST', '/api/wechat/accounts' + (exists ? '/' + encodeURIComponent(body.name) : ''), body),
      '已保存 ' + body.name);
    if (out) { for (const id of ['wx-secret', 'wx-token', 'wx-aes-key']) $(id).value = ''; await load(); }
  });
  load();
})();
