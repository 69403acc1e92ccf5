// Directory admin: case categories (time limits, laws, mediable) and the referral directory of
// offices (legal-aid centres, mediation committees, 司法所, ...). Every save is audited server-side.
(function () {
  'use strict';
  const { h, api, attempt } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const S = { categories: [], offices: [], kinds: {}, editing: null };
  const lines = (text) => text.split('\n').map((x) => x.trim());

  function renderCategories() {
    const body = $('categories'); body.replaceChildren();
    for (const c of S.categories) {
      const name = h('input', { value: c.name, maxlength: 40, class: 'short', 'aria-label': '名称' });
      const hours = h('input', { type: 'number', min: 1, value: c.time_limit_hours, class: 'tiny', 'aria-label': '办结时限' });
      const mediable = h('input', { type: 'checkbox', checked: c.mediable, 'aria-label': '可调解' });
      const active = h('input', { type: 'checkbox', checked: c.active, 'aria-label': '启用' });
      const order = h('input', { type: 'number', value: c.sort_order, class: 'tiny', 'aria-label': '排序' });
      const laws = h('textarea', { rows: 2, 'aria-label': '相关法律' }, (c.laws || []).join('\n'));
      body.append(h('tr', { dataset: { code: c.code } }, h('td', {}, c.code), h('td', {}, name), h('td', {}, hours), h('td', {}, mediable), h('td', {}, active),
        h('td', {}, order), h('td', {}, laws),
        h('td', {}, h('button', { type: 'button', class: 'small primary', 'data-action': 'save', onclick: async () => {
          const body = { name: name.value.trim(), time_limit_hours: Number(hours.value), mediable: mediable.checked, active: active.checked,
            sort_order: Number(order.value), laws: lines(laws.value).filter(Boolean) };
          const out = await attempt(() => api('PUT', '/api/admin/categories/' + encodeURIComponent(c.code), body), '已保存 ' + body.name);
          if (out) Object.assign(c, out);
        } }, '保存'))));
    }
  }
  async function loadCategories() {
    const rows = await attempt(() => api('GET', '/api/admin/categories'));
    if (rows) { S.categories = rows; renderCategories(); }
  }
  $('category-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { code: $('cat-code').value.trim(), name: $('cat-name').value.trim(), time_limit_hours: Number($('cat-hours').value),
      mediable: $('cat-mediable').checked };
    if (await attempt(() => api('POST', '/api/admin/categories', body), '已添加类别')) { e.target.reset(); loadCategories(); }
  });

  function catNames(codes) {
    if (!codes || !codes.length) return '全部';
    return codes.map((c) => (S.categories.find((x) => x.code === c) || {}).name || c).join('、');
  }
  function renderOffices() {
    const body = $('offices'); body.replaceChildren();
    const kind = $('office-filter').value;
    for (const o of S.offices.filter((x) => !kind || x.kind === kind)) {
      body.append(h('tr', { dataset: { officeId: o.id } }, h('td', { class: 'small' }, o.code), h('td', {}, o.name), h('td', {}, o.kind_label),
        h('td', { class: 'small' }, (o.areas || []).map((a) => a || '（兜底）').join('；')), h('td', { class: 'small' }, catNames(o.categories)),
        h('td', { class: 'small' }, o.phone), h('td', {}, o.active ? h('span', { class: 'badge ok' }, '启用') : h('span', { class: 'badge' }, '停用')),
        h('td', {}, h('button', { type: 'button', class: 'small', 'data-action': 'edit', onclick: () => openOffice(o) }, '编辑'))));
    }
  }
  async function loadOffices() {
    const rows = await attempt(() => api('GET', '/api/admin/offices'));
    if (rows) { S.offices = rows; renderOffices(); }
  }
  $('office-filter').addEventListener('change', renderOffices);

  function openOffice(o) {
    S.editing = o || null;
    $('office-title').textContent = o ? '编辑机构' : '新增机构';
    $('o-code').value = o ? o.code : ''; $('o-code').disabled = !!o;
    $('o-name').value = o ? o.name : ''; $('o-kind').value = o ? o.kind : 'mediation';
    $('o-areas').value = o ? (o.areas || []).join('\n') : '';
    $('o-phone').value = o ? o.phone : ''; $('o-address').value = o ? o.address : '';
    $('o-active').checked = o ? o.active : true;
    const chosen = new Set(o ? o.categories : []);
    $('o-categories').replaceChildren(...S.categories.map((c) => h('label', { class: 'inline small' },
      h('input', { type: 'checkbox', value: c.code, checked: chosen.has(c.code) }), c.name)));
    $('office-dialog').showModal();
  }
  $('office-new').addEventListener('click', () => openOffice(null));
  for (const b of document.querySelectorAll('dialog [data-close]')) b.addEventListener('click', () => b.closest('dialog').close());
  $('office-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const areas = $('o-areas').value.split('\n').map((x) => x.trim());
    while (areas.length && areas[areas.length - 1] === '') areas.pop();  // an empty list means the fallback office
    const body = { name: $('o-name').value.trim(), kind: $('o-kind').value, areas: areas.length ? areas : [''],
      categories: [...$('o-categories').querySelectorAll('input:checked')].map((i) => i.value),
      phone: $('o-phone').value.trim(), address: $('o-address').value.trim(), active: $('o-active').checked };
    let out;
    if (S.editing) out = await attempt(() => api('PUT', '/api/admin/offices/' + S.editing.id, body), '已保存');
    else out = await attempt(() => api('POST', '/api/admin/offices', Object.assign({ code: $('o-code').value.trim() }, body)), '已新增机构');
    if (out) { $('office-dialog').close(); loadOffices(); }
  });

  // -- provincial hardship standards (referrals API; the section stays hidden without it) -------------
  async function loadHardship() {
    let rows;
    try { rows = await api('GET', '/api/referrals/hardship-standards' + ($('hs-filter').value ? '?province=' + encodeURIComponent($('hs-filter').value) : '')); }
    catch (e) { if (e.status !== 404) Staff.toast(e.message, 'error'); return; }
    $('hardship-section').classList.remove('hidden');
    const body = $('hardship'); body.replaceChildren();
    if (!rows.length) body.append(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, '尚未设置经济困难标准')));
    for (const r of rows) {
      body.append(h('tr', { dataset: { province: r.province, from: r.effective_from } }, h('td', {}, r.province), h('td', {}, r.effective_from),
        h('td', { class: 'num' }, r.version), h('td', { class: 'num' }, r.monthly_income_per_member), h('td', { class: 'small' }, r.basis || ''),
        h('td', { class: 'small' }, r.note || ''),
        h('td', {}, r.in_force ? h('span', { class: 'badge ok' }, '现行') : h('span', { class: 'badge' }, '历史'), r.sample ? h('span', { class: 'badge warn' }, '示例') : null)));
    }
  }
  async function initHardship() {
    let meta;
    try { meta = await api('GET', '/api/referrals/meta'); } catch (e) { return; }
    for (const [c, l] of Staff.pairs(meta.provinces)) { $('hs-province').append(h('option', { value: c }, l)); $('hs-filter').append(h('option', { value: c }, l)); }
    $('hs-filter').addEventListener('change', loadHardship);
    $('hardship-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { province: $('hs-province').value, effective_from: $('hs-from').value, monthly_income_per_member: Number($('hs-amount').value),
        basis: $('hs-basis').value.trim(), note: $('hs-note').value.trim(), sample: $('hs-sample').checked };
      if (await attempt(() => api('POST', '/api/referrals/hardship-standards', body), '已添加标准版本')) { e.target.reset(); loadHardship(); }
    });
    loadHardship();
  }

  loadCategories().then(loadOffices);
  initHardship();
  window.DirectoryAdmin = { reload: () => loadCategories().then(loadOffices) };
})();
