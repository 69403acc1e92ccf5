// Staff accounts (admin, issue 19 item 16): list, add with a role, reset a password, enable or
// disable (/api/admin/users), and the lawyers' languages and dialects (PUT /api/routing/lawyers/{id}).
(function () {
  'use strict';
  const { h, api, attempt } = window.Staff;
  const $ = (id) => document.getElementById(id);
  let users = [];
  let languages = {};  // lawyer user id -> languages

  function render() {
    const body = $('users'); body.replaceChildren();
    $('user-count').textContent = '共 ' + users.length + ' 个';
    for (const u of users) {
      const lang = u.role === 'lawyer'
        ? h('span', { class: 'row' }, h('input', { class: 'short lang-input', value: (languages[u.id] || ['普通话']).join('、'), 'aria-label': u.display_name + '的语言/方言' }),
          h('button', { type: 'button', class: 'small', dataset: { action: 'languages' }, onclick: (e) => saveLanguages(u, e.target.previousSibling.value) }, '保存'))
        : h('span', { class: 'muted' }, '—');
      body.append(h('tr', { dataset: { username: u.username } }, h('td', {}, u.username), h('td', {}, u.display_name),
        h('td', {}, u.role_label), h('td', {}, u.active ? '启用' : h('span', { class: 'badge warn' }, '已停用')), h('td', {}, lang),
        h('td', {}, h('button', { type: 'button', class: 'small', dataset: { action: 'active' }, onclick: () => toggle(u) }, u.active ? '停用' : '启用'))));
    }
    const sel = $('reset-user'); const keep = sel.value; sel.replaceChildren();
    for (const u of users) sel.append(h('option', { value: String(u.id) }, u.display_name + '（' + u.username + '）'));
    if (keep) sel.value = keep;
  }
  async function load() {
    const data = await attempt(() => api('GET', '/api/admin/users'));
    if (!data) return;
    users = data.users;
    const roles = $('new-role');
    if (!roles.options.length) for (const r of data.roles) roles.append(h('option', { value: r.code }, r.label));
    const lawyers = await attempt(() => api('GET', '/api/routing/lawyers'));
    languages = {};
    for (const l of lawyers || []) languages[l.user_id] = l.languages || [];
    render();
  }
  async function saveLanguages(u, text) {
    const list = text.split(/[、,，;；\s]+/).map((x) => x.trim()).filter(Boolean);
    if (!list.length) { Staff.toast('请至少填写一种语言或方言', 'error'); return; }
    const ok = await attempt(() => api('PUT', '/api/routing/lawyers/' + u.id, { languages: list }), '已保存 ' + u.display_name + ' 的语言/方言');
    if (ok) load();
  }
  async function toggle(u) {
    if (u.active && !confirm('确定停用账号「' + u.display_name + '」？停用后该账号立即退出登录。')) return;
    const ok = await attempt(() => api('POST', '/api/admin/users/' + u.id + '/active', { active: !u.active }), u.active ? '已停用' : '已启用');
    if (ok) load();
  }
  $('add-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { username: $('new-username').value.trim(), display_name: $('new-name').value.trim(),
      role: $('new-role').value, password: $('new-password').value };
    const ok = await attempt(() => api('POST', '/api/admin/users', body), '已新增账号 ' + body.username);
    if (ok) { $('add-form').reset(); load(); }
  });
  $('reset-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = $('reset-user').value;
    const ok = await attempt(() => api('POST', '/api/admin/users/' + id + '/password', { password: $('reset-password').value }), '密码已重置');
    if (ok) $('reset-password').value = '';
  });
  load();
})();
