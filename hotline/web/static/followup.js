// Follow-up (回访) page: the task list (whoever is on duty takes it), claim, record the outcome;
// managers also see 回访率 / 回访满意度. Due times are in the hotline's zone (server-formatted).
(function () {
  'use strict';
  const { h, api, attempt, pct } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const S = { tasks: [], current: null, onDuty: false };

  async function loadFigures() {
    const box = $('fu-figures');
    if (!box) return;
    const f = await attempt(() => api('GET', '/api/followup/figures'));
    if (!f) return;
    box.replaceChildren(
      h('span', { class: 'chip', id: 'fu-rate', dataset: { value: f.followup_rate ?? '' } }, '回访率 ' + pct(f.followup_rate)),
      h('span', { class: 'chip', id: 'fu-satisfaction', dataset: { value: f.satisfaction ?? '' } }, '回访满意度 ' + pct(f.satisfaction)),
      h('span', { class: 'chip' }, '任务 ' + f.tasks + '，已完成 ' + f.done),
      h('span', { class: 'chip' + (f.overdue ? ' overdue' : ''), id: 'fu-overdue' }, '超期 ' + f.overdue));
  }

  function renderTasks() {
    const body = $('fu-tasks'); body.replaceChildren();
    if (!S.tasks.length) { body.append(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, '暂无回访任务'))); return; }
    for (const t of S.tasks) {
      const action = t.status === 'done' ? '' : h('button', { type: 'button', class: 'small primary', dataset: { task: t.id },
        disabled: !S.onDuty, onclick: () => open(t) }, t.status === 'claimed' ? '继续回访' : '领取回访');
      body.append(h('tr', { class: t.overdue ? 'overdue-row' : '', dataset: { task: t.id } },
        h('td', {}, '#' + t.id), h('td', {}, t.reason_label + (t.score ? '（' + t.score + ' 分）' : '')),
        h('td', {}, t.case_reference), h('td', {}, t.lawyer),
        h('td', {}, t.due_local, t.overdue ? h('span', { class: 'badge overdue' }, '超期') : ''),
        h('td', {}, t.status_label, t.assignee ? '（' + t.assignee + '）' : ''), h('td', {}, action)));
    }
  }

  async function load() {
    const d = await attempt(() => api('GET', '/api/followup/tasks?status=' + $('fu-status').value));
    if (!d) return;
    S.tasks = d.tasks; S.onDuty = d.on_duty;
    $('duty-state').textContent = d.on_duty ? '您正在值班，可领取回访任务' : '您当前不在值班，回访任务由值班人员领取';
    renderTasks();
    document.body.dataset.followupLoaded = String(Number(document.body.dataset.followupLoaded || 0) + 1);
  }

  async function open(t) {
    if (t.status === 'open') {
      const r = await attempt(() => api('POST', '/api/followup/tasks/' + t.id + '/claim'), '已领取');
      if (!r) return;
    }
    S.current = t;
    $('fu-d-title').textContent = '#' + t.id + ' ' + t.case_reference + ' · ' + t.reason_label;
    $('fu-d-said').textContent = t.citizen_said.length ? '市民诉求：' + t.citizen_said.join(' / ') : '';
    $('fu-detail').classList.remove('hidden');
    load();
  }

  $('fu-reached').addEventListener('change', () => {
    for (const id of ['fu-satisfied', 'fu-solved', 'fu-newcase']) $(id).disabled = !$('fu-reached').checked;
  });
  $('fu-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!S.current) return;
    const reached = $('fu-reached').checked;
    const body = { method: $('fu-method').value, reached, note: $('fu-note').value,
      satisfied: reached ? $('fu-satisfied').value === 'true' : null,
      solved: reached ? $('fu-solved').value === 'true' : null, open_case: reached && $('fu-newcase').checked };
    const r = await attempt(() => api('POST', '/api/followup/tasks/' + S.current.id + '/complete', body), '回访已完成');
    if (!r) return;
    S.current = null; $('fu-detail').classList.add('hidden'); $('fu-note').value = '';
    load(); loadFigures();
  });
  $('fu-filters').addEventListener('submit', (e) => { e.preventDefault(); load(); });
  load(); loadFigures();
  setInterval(load, 5000);
})();
