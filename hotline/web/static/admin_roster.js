// Roster admin: who is on duty, lawyers' skills and capacity, weekly shifts, leave/extra duty,
// public holidays and 调休 working days (routing API plus the listings under /api/admin/roster).
(function () {
  'use strict';
  const { h, api, attempt, localTime } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const DAYS = { workdays: '工作日', weekends: '休息日', all: '每天' };
  const WEEK = ['', '一', '二', '三', '四', '五', '六', '日'];
  const STATE = { available: '空闲', busy: '忙碌', wrapup: '话后整理', break: '小休', offline: '离线' };
  const S = { lawyers: [], categories: [] };
  const name = (id) => (S.lawyers.find((l) => l.user_id === id) || {}).name || '#' + id;
  const daysLabel = (d) => DAYS[d] || ('每周' + d.split('').map((c) => WEEK[Number(c)]).join('、'));

  async function loadDuty() {
    const d = await attempt(() => api('GET', '/api/routing/duty'));
    const box = $('duty'); box.replaceChildren();
    if (!d) return;
    if (!d.now.length) box.append(h('span', { class: 'badge overdue' }, '当前无人值班：来电与留言将进入回电列表'));
    for (const x of d.now) box.append(h('span', { class: 'chip' }, x.name, h('span', { class: 'muted' }, '至 ' + localTime(x.until))));
    $('duty-note').textContent = d.next.length ? '下一班：' + d.next.map((x) => x.name + ' ' + localTime(x.from)).join('；') : '';
  }

  function renderLawyers() {
    const body = $('lawyers'); body.replaceChildren();
    for (const l of S.lawyers) {
      const skills = new Set(l.skills || []);
      const checks = h('div', { class: 'checks' }, S.categories.map((c) =>
        h('label', { class: 'inline small' }, h('input', { type: 'checkbox', value: c.code, checked: skills.has(c.code) }), c.name)));
      const chat = h('input', { type: 'number', class: 'tiny', min: 1, max: 20, value: l.chat_capacity ?? 3, 'aria-label': '在线容量' });
      const call = h('select', { 'aria-label': '电话' }, h('option', { value: 1, selected: (l.call_capacity ?? 1) === 1 }, '接听'),
        h('option', { value: 0, selected: l.call_capacity === 0 }, '不接'));
      body.append(h('tr', { dataset: { userId: l.user_id } }, h('td', { class: 'nowrap' }, l.name), h('td', {}, checks), h('td', {}, chat), h('td', {}, call),
        h('td', {}, h('span', { class: 'badge state-' + (l.state || 'offline') }, STATE[l.state] || '离线')),
        h('td', {}, h('button', { type: 'button', class: 'small primary', 'data-action': 'save', onclick: () => attempt(async () => {
          const body = { skills: [...checks.querySelectorAll('input:checked')].map((i) => i.value),
            chat_capacity: Number(chat.value), call_capacity: Number(call.value) };
          await api('PUT', '/api/routing/lawyers/' + l.user_id, body);
          Object.assign(l, body);
        }, '已保存 ' + l.name) }, '保存'))));
    }
    for (const sel of [$('shift-user'), $('exc-user')]) {
      sel.replaceChildren(...S.lawyers.map((l) => h('option', { value: l.user_id }, l.name)));
    }
  }

  async function loadShifts() {
    const rows = await attempt(() => api('GET', '/api/routing/shifts'));
    const body = $('shifts'); body.replaceChildren();
    if (!rows) return;
    if (!rows.length) body.append(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, '还没有排班')));
    for (const s of rows) {
      body.append(h('tr', { dataset: { shiftId: s.id } }, h('td', {}, name(s.user_id)), h('td', {}, daysLabel(s.days)),
        h('td', { class: 'nowrap' }, s.start.slice(0, 5) + '–' + s.end.slice(0, 5)), h('td', {}, s.kind === 'appointment' ? '预约' : '值班'),
        h('td', { class: 'small' }, (s.valid_from || '') + (s.valid_from || s.valid_to ? ' ~ ' : '长期') + (s.valid_to || '')),
        h('td', {}, s.note), h('td', {}, h('button', { type: 'button', class: 'small danger', onclick: async () => {
          if (await attempt(() => api('DELETE', '/api/routing/shifts/' + s.id), '已删除排班')) { loadShifts(); loadDuty(); }
        } }, '删除'))));
    }
  }
  $('shift-days').addEventListener('change', () => $('shift-digits-label').classList.toggle('hidden', $('shift-days').value !== 'custom'));
  $('shift-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const days = $('shift-days').value === 'custom' ? $('shift-digits').value.trim() : $('shift-days').value;
    const body = { user_id: Number($('shift-user').value), days, start: $('shift-start').value, end: $('shift-end').value,
      kind: $('shift-kind').value, valid_from: $('shift-from').value || null, valid_to: $('shift-to').value || null, note: $('shift-note').value };
    if (await attempt(() => api('POST', '/api/routing/shifts', body), '已添加排班')) { loadShifts(); loadDuty(); }
  });

  async function loadExceptions() {
    const rows = await attempt(() => api('GET', '/api/admin/roster/exceptions'));
    const body = $('exceptions'); body.replaceChildren();
    if (!rows) return;
    if (!rows.length) body.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, '近期没有请假或加班')));
    for (const x of rows) {
      body.append(h('tr', {}, h('td', {}, name(x.user_id)), h('td', {}, x.day), h('td', {}, x.kind === 'off' ? '请假' : '加班'),
        h('td', {}, x.start ? x.start.slice(0, 5) + '–' + (x.end || '').slice(0, 5) : '全天'), h('td', {}, x.note),
        h('td', {}, h('button', { type: 'button', class: 'small danger', onclick: async () => {
          if (await attempt(() => api('DELETE', '/api/admin/roster/exceptions/' + x.id), '已删除')) { loadExceptions(); loadDuty(); }
        } }, '删除'))));
    }
  }
  $('exception-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { user_id: Number($('exc-user').value), day: $('exc-day').value, kind: $('exc-kind').value,
      start: $('exc-start').value || null, end: $('exc-end').value || null, note: $('exc-note').value };
    if (await attempt(() => api('POST', '/api/routing/exceptions', body), '已添加')) { loadExceptions(); loadDuty(); }
  });

  async function loadHolidays() {
    const rows = await attempt(() => api('GET', '/api/admin/roster/holidays'));
    const body = $('holidays'); body.replaceChildren();
    if (!rows) return;
    if (!rows.length) body.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, '没有设置节假日')));
    for (const x of rows) {
      body.append(h('tr', {}, h('td', {}, x.day), h('td', {}, x.name), h('td', {}, x.is_workday ? '调休上班' : '放假'),
        h('td', {}, h('button', { type: 'button', class: 'small danger', onclick: async () => {
          if (await attempt(() => api('DELETE', '/api/admin/roster/holidays/' + x.day), '已删除')) { loadHolidays(); loadDuty(); }
        } }, '删除'))));
    }
  }
  $('holiday-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { day: $('hol-day').value, name: $('hol-name').value.trim(), is_workday: $('hol-workday').checked };
    if (await attempt(() => api('POST', '/api/routing/holidays', body), '已保存')) { loadHolidays(); loadDuty(); }
  });

  async function init() {
    const [lawyers, cats] = await Promise.all([attempt(() => api('GET', '/api/routing/lawyers')), attempt(() => api('GET', '/api/admin/categories'))]);
    S.lawyers = lawyers || []; S.categories = (cats || []).filter((c) => c.active);
    renderLawyers();
    loadDuty(); loadShifts(); loadExceptions(); loadHolidays();
  }
  init();
})();
