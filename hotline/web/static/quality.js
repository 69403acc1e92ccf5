// Quality inspection page. Managers: figures, the sample queue, inspecting (transcript,
// suggestions shown and used, case, recording link; the form), deciding disputes. Lawyers: their
// own results, and one dispute each.
(function () {
  'use strict';
  const { h, api, attempt, pct, num } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const isManager = ['manager', 'admin'].includes(document.getElementById('who').dataset.role);
  const SPEAKERS = { citizen: '市民', lawyer: '律师', system: '系统', supervisor: '督导' };
  const S = { forms: [], current: null };

  function showMaterial(m, title) {
    $('qa-d-title').textContent = title;
    $('qa-transcript').replaceChildren(...m.transcript.map((u) => h('li', { class: 'msg ' + u.speaker },
      h('span', { class: 'who' }, (SPEAKERS[u.speaker] || u.speaker) + ' · ' + u.at + ' '), u.text)));
    $('qa-case').textContent = m.case ? m.case.reference + ' ' + (m.case.summary || '') + (m.case.disposition ? '（' + m.case.disposition + '）' : '') : '—';
    $('qa-suggestions').replaceChildren(...m.suggestions.map((s) => h('li', {}, s.title || s.kind,
      s.copied ? '（已引用）' : (s.clicked ? '（已查看）' : ''), s.rating === 'unhelpful' ? '（标为无用：' + s.rating_reason + '）' : '')));
    $('qa-recordings').replaceChildren(...m.recordings.map((u) => h('a', { href: u, target: '_blank', rel: 'noopener' }, '通话录音')));
    $('qa-detail').classList.remove('hidden');
  }

  function renderForm(form) {
    const box = $('qa-questions'); box.replaceChildren();
    for (const sec of form.sections) {
      box.append(h('h3', {}, sec.title));
      for (const q of sec.questions) {
        const name = 'q-' + q.id;
        const opts = q.kind === 'yesno' ? [['yes', '是'], ['no', '否']] : [...Array(q.scale_max + 1).keys()].map((n) => [String(n), String(n)]);
        if (q.allow_na) opts.push(['na', '不适用']);
        box.append(h('div', { class: 'qa-question' + (q.critical ? ' critical' : ''), dataset: { question: q.id } },
          h('span', { class: 'qtext' }, q.text + '（权重 ' + q.weight + '）'), ' ',
          opts.map(([v, label]) => h('label', { class: 'inline' }, h('input', { type: 'radio', name, value: v, required: true }), label))));
      }
    }
  }

  async function openSample(sampleId) {
    const d = await attempt(() => api('GET', '/api/quality/samples/' + sampleId));
    if (!d) return;
    S.current = { sample: d.id }; S.forms = d.forms;
    showMaterial(d.material, '质检：抽检 #' + d.id + ' · 咨询 #' + d.material.contact.id);
    $('qa-form-select').replaceChildren(...d.forms.map((f) => h('option', { value: f.id }, f.name + ' v' + f.version)));
    renderForm(d.forms[0]);
    for (const id of ['qa-result', 'qa-dispute', 'qa-decide']) $(id).classList.add('hidden');
    $('qa-form').classList.remove('hidden');
  }

  async function openInspection(id) {
    const d = await attempt(() => api('GET', '/api/quality/inspections/' + id));
    if (!d) return;
    S.current = { inspection: d.id };
    showMaterial(d.material, '质检结果 #' + d.id + ' · 咨询 #' + d.contact_id);
    $('qa-form').classList.add('hidden');
    const sections = Object.entries(d.section_scores).map(([t, v]) => t + ' ' + num(v, 1)).join('；');
    $('qa-result').replaceChildren(h('p', { id: 'qa-score', dataset: { score: d.effective_score } },
      '得分 ' + num(d.effective_score, 1) + (d.final_score !== null ? '（原 ' + num(d.score, 1) + '）' : '') +
      (d.critical_failed ? '，关键项不合格' : '') + ' · ' + (d.passed ? '合格' : '不合格') + ' · ' + d.status_label),
      h('p', { class: 'small' }, sections), h('p', { class: 'small' }, '评语：' + (d.comment || '—')),
      d.dispute_reason ? h('p', { class: 'small' }, '申诉理由：' + d.dispute_reason) : '',
      d.decision_note ? h('p', { class: 'small' }, '处理说明：' + d.decision_note) : '');
    $('qa-result').classList.remove('hidden');
    $('qa-dispute').classList.toggle('hidden', isManager || !d.can_dispute);
    $('qa-decide').classList.toggle('hidden', !isManager || d.status !== 'disputed');
  }

  async function loadLists() {
    if (isManager) {
      const q = await attempt(() => api('GET', '/api/quality/queue'));
      if (q) $('qa-queue').replaceChildren(...(q.length ? q.map((s) => h('tr', { dataset: { sample: s.id } },
        h('td', {}, '#' + s.id), h('td', {}, '#' + s.contact_id), h('td', {}, s.lawyer), h('td', {}, s.reason_label), h('td', {}, s.week),
        h('td', {}, h('button', { type: 'button', class: 'small primary', onclick: () => openSample(s.id) }, '质检'))))
        : [h('tr', {}, h('td', { colspan: 6, class: 'empty' }, '队列为空'))]));
    }
    const rows = await attempt(() => api('GET', '/api/quality/inspections'));
    if (rows) $('qa-inspections').replaceChildren(...(rows.length ? rows.map((r) => h('tr', { dataset: { inspection: r.id, status: r.status } },
      h('td', {}, '#' + r.id), h('td', {}, '#' + r.contact_id), h('td', {}, r.lawyer), h('td', {}, num(r.effective_score, 1)),
      h('td', {}, r.passed ? '合格' : '不合格'), h('td', {}, r.status_label),
      h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => openInspection(r.id) }, '查看'))))
      : [h('tr', {}, h('td', { colspan: 7, class: 'empty' }, '暂无质检结果'))]));
    if (isManager) {
      const f = await attempt(() => api('GET', '/api/quality/dashboard'));
      if (f) {
        $('qa-figures').replaceChildren(h('span', { class: 'chip', id: 'qa-rate' }, '质检率 ' + pct(f.inspection_rate)),
          h('span', { class: 'chip', id: 'qa-pass' }, '合格率 ' + pct(f.pass_rate)),
          h('span', { class: 'chip' }, '平均分 ' + num(f.average_score, 1)), h('span', { class: 'chip' }, '申诉 ' + f.disputes));
        $('qa-lawyers').replaceChildren(...f.per_lawyer.map((r) => h('tr', {}, h('td', {}, r.name), h('td', {}, num(r.average, 1)))));
        $('qa-sections').replaceChildren(...f.per_section.map((r) => h('tr', {}, h('td', {}, r.title), h('td', {}, num(r.average, 1)))));
        $('qa-worst').replaceChildren(...f.worst_items.map((r) => h('tr', {}, h('td', {}, r.text), h('td', {}, num(r.average, 1)))));
      }
    }
    document.body.dataset.qualityLoaded = String(Number(document.body.dataset.qualityLoaded || 0) + 1);
  }

  $('qa-form-select').addEventListener('change', () => renderForm(S.forms.find((f) => String(f.id) === $('qa-form-select').value)));
  $('qa-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const answers = {};
    for (const el of $('qa-questions').querySelectorAll('[data-question]')) {
      const picked = el.querySelector('input:checked');
      if (picked) answers[el.dataset.question] = ['yes', 'no', 'na'].includes(picked.value) ? picked.value : Number(picked.value);
    }
    const r = await attempt(() => api('POST', '/api/quality/samples/' + S.current.sample + '/inspect',
      { form_id: Number($('qa-form-select').value), answers, comment: $('qa-comment').value }), '已提交评分');
    if (r) { await loadLists(); openInspection(r.id); }
  });
  $('qa-dispute').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await attempt(() => api('POST', '/api/quality/inspections/' + S.current.inspection + '/dispute',
      { reason: $('qa-dispute-reason').value }), '已提交申诉');
    if (r) { await loadLists(); openInspection(r.id); }
  });
  $('qa-decide').addEventListener('submit', async (e) => {
    e.preventDefault();
    const decision = $('qa-decision').value;
    const body = { decision, note: $('qa-decide-note').value };
    if (decision === 'revised') body.score = Number($('qa-new-score').value);
    const r = await attempt(() => api('POST', '/api/quality/inspections/' + S.current.inspection + '/decide', body), '已处理申诉');
    if (r) { await loadLists(); openInspection(r.id); }
  });
  loadLists();
})();
