// Referral inbox for legal-aid and mediation staff (docs/referrals-api.md): referrals addressed
// to the user's office, the packet, accept / reject / ask for more, the legal-aid override,
// mediation records and the status history.
(function () {
  'use strict';
  const { h, api, attempt, toast, localTime, pairs, labelOf } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const ELIGIBLE = { true: '符合条件', false: '不符合条件', needs_review: '需审查' };
  const ECONOMIC = { required: '需经济困难审查', exempt: '免予经济困难审查', not_applicable: '不适用经济困难条件' };
  const S = { meta: {}, rows: [], current: null, detail: null, decision: null };

  const typeLabel = (t) => labelOf(S.meta.types, t);
  const statusLabel = (s) => labelOf(S.meta.statuses, s);
  const eligibleText = (v) => ELIGIBLE[String(v)] || (v === null || v === undefined ? '—' : String(v));

  async function loadList() {
    const q = new URLSearchParams();
    if ($('f-status').value) q.set('status', $('f-status').value);
    if ($('f-type').value) q.set('type', $('f-type').value);
    const rows = await attempt(() => api('GET', '/api/referrals?' + q));
    if (!rows) return;
    S.rows = rows;
    const body = $('referrals'); body.replaceChildren();
    if (!rows.length) body.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, '没有转介')));
    for (const r of rows) {
      body.append(h('tr', { dataset: { referralId: r.id }, class: r.id === S.current ? 'current' : '', style: 'cursor:pointer',
        tabindex: 0, onclick: () => open(r.id), onkeydown: (e) => { if (e.key === 'Enter') open(r.id); } },
        h('td', {}, h('div', { class: 'nowrap' }, r.reference, r.urgent ? h('span', { class: 'badge urgent', style: 'margin-left:.3rem' }, '急') : null),
          h('div', { class: 'small muted' }, localTime(r.created_at))),
        h('td', {}, r.type_label || typeLabel(r.type), h('div', { class: 'small muted' }, r.category || '')),
        h('td', {}, h('span', { class: 'badge nowrap' + (r.status === 'submitted' ? ' warn' : '') }, r.status_label || statusLabel(r.status))),
        h('td', {}, r.applicant_name || '—')));
    }
    if (S.current && !rows.some((r) => r.id === S.current)) { S.current = null; $('detail-body').classList.add('hidden'); $('detail-empty').classList.remove('hidden'); }
  }

  function section(label, ...content) {
    return [h('dt', {}, label), h('dd', {}, ...content)];
  }
  function renderAssessment(d) {
    const a = d.assessment;
    if (!a) return [];
    const ov = d.override;
    const out = [h('div', {}, h('strong', {}, eligibleText(d.eligible ?? a.eligible)),
      ' · ', ECONOMIC[d.economic_review ?? a.economic_review] || '',
      a.urgent ? h('span', { class: 'badge urgent', style: 'margin-left:.4rem' }, '紧急（可先行援助）') : null,
      ov ? h('span', { class: 'badge warn', style: 'margin-left:.4rem' }, '已改判') : null)];
    if (ov) out.push(h('div', { class: 'small' }, '原评估：' + eligibleText(a.eligible) + '；改判理由：' + (ov.reason || '') +
      (ov.by ? '（' + (ov.by.name || '') + '）' : '')));
    if (a.reasons && a.reasons.length) out.push(h('ul', { class: 'small' }, a.reasons.map((x) => h('li', {}, x))));
    if (a.hardship_standard) {
      out.push(h('div', { class: 'small muted' }, '经济困难标准：' + a.hardship_standard.province + ' 每人每月 ' +
        a.hardship_standard.monthly_income_per_member + ' 元（' + a.hardship_standard.effective_from + ' 起）' +
        (a.income_per_member !== null && a.income_per_member !== undefined ? '；申请人家庭人均 ' + a.income_per_member + ' 元' : '')));
    }
    return out;
  }
  function renderDetail(d) {
    S.detail = d;
    $('detail-empty').classList.add('hidden'); $('detail-body').classList.remove('hidden');
    $('d-reference').textContent = d.reference;
    $('d-status').textContent = d.status_label || statusLabel(d.status);
    $('d-type').textContent = d.type_label || typeLabel(d.type);
    $('d-urgent').classList.toggle('hidden', !d.urgent);
    $('d-packet').href = '/api/referrals/' + d.id + '/packet.html';
    $('d-meta').textContent = [d.case_reference && '案件 ' + d.case_reference, d.category, d.office && d.office.name,
      d.created_by && '转介人 ' + d.created_by.name, '提交于 ' + localTime(d.created_at), d.review_due && '审查期限 ' + d.review_due]
      .filter(Boolean).join(' · ');
    const c = d.applicant_contact || {};
    const view = $('d-packet-view'); view.replaceChildren(
      ...section('摘要', d.summary || '—'),
      ...(d.facts ? section('事实与请求', d.facts) : []),
      ...section('申请人联系方式', [c.name, c.phone, c.address].filter(Boolean).join(' · ') || '—'),
      ...((d.parties || []).length ? section('当事人', h('ul', {}, d.parties.map((p) => h('li', {},
        labelOf(S.meta.party_roles, p.role) + '：' + [p.name, p.description].filter(Boolean).join('，'))))) : []),
      ...(d.assessment ? section('法律援助评估', ...renderAssessment(d)) : []),
      ...((d.deadlines || []).length ? section('期限', h('ul', {}, d.deadlines.map((x) => h('li', {}, (x.label || x.kind) + '：' + x.date + (x.article ? '（' + x.article + '）' : ''))))) : []),
      ...(d.consent ? section('调解同意', (d.consent.given ? '已同意' : '未同意') + (d.consent.method ? '（' + labelOf(S.meta.consent_methods, d.consent.method) + '）' : '') + (d.consent.note ? '：' + d.consent.note : '')) : []),
      ...(d.reason ? section('转介理由', d.reason) : []),
      ...(d.decision ? section('受理决定', (d.decision.decision === 'accept' ? '受理' : d.decision.decision === 'reject' ? '不予受理' : '需补充材料') +
        (d.decision.code ? '（' + labelOf((S.meta.decision_codes || {})[d.decision.decision], d.decision.code) + '）' : '') + (d.decision.reason ? '：' + d.decision.reason : '')) : []),
      ...((d.transcript_excerpt || []).length ? section('对话摘录', h('ol', { class: 'small' }, d.transcript_excerpt.map((u) =>
        h('li', {}, (u.speaker === 'citizen' ? '市民' : u.speaker === 'lawyer' ? '律师' : '系统') + '：' + u.text)))) : []),
      ...((d.citizen_notices || []).length ? section('已告知市民', h('ul', { class: 'small' }, d.citizen_notices.map((n) => h('li', {}, n.text + '（' + localTime(n.at) + '）'))) ) : []));
    const allowed = d.allowed || {};
    $('decide-box').classList.toggle('hidden', !allowed.decide);
    $('decision-form').classList.add('hidden');
    $('override-box').classList.toggle('hidden', !allowed.override);
    const records = allowed.records || [];
    $('records-box').classList.toggle('hidden', !records.length && !(d.records || []).length);
    $('record-form').classList.toggle('hidden', !records.length);
    $('rec-type').replaceChildren(...records.map((t) => h('option', { value: t }, labelOf(S.meta.record_types, t))));
    $('rec-agreement-label').classList.toggle('hidden', $('rec-type').value !== 'agreement');
    $('d-records').replaceChildren(...(d.records || []).map((r) => h('li', {},
      h('strong', {}, r.label || labelOf(S.meta.record_types, r.record_type)), ' ', r.title || '', ' ',
      h('span', { class: 'muted small' }, localTime(r.occurred_at) + (r.by_name ? ' · ' + r.by_name : '')),
      r.note ? h('div', { class: 'small' }, r.note) : null,
      r.attachment ? h('a', { class: 'small', href: '/api/referrals/' + d.id + '/records/' + r.id + '/attachment' }, '附件：' + r.attachment.filename) : null)));
    $('d-history').replaceChildren(...(d.history || []).map((x) => h('li', {},
      h('strong', {}, x.event_label || x.event || ''),
      x.to_status ? h('span', {}, ' → ' + (x.to_status_label || statusLabel(x.to_status))) : null,
      x.from_status ? h('span', { class: 'muted small' }, '（原为 ' + statusLabel(x.from_status) + '）') : null, ' ',
      h('span', { class: 'muted small' }, localTime(x.occurred_at) + (x.by_name ? ' · ' + x.by_name : '')),
      x.reason ? h('div', { class: 'small' }, x.reason) : null)));
    for (const tr of document.querySelectorAll('#referrals tr')) tr.classList.toggle('current', Number(tr.dataset.referralId) === d.id);
  }
  async function open(id) {
    S.current = id;
    const d = await attempt(() => api('GET', '/api/referrals/' + id));
    if (d && S.current === id) renderDetail(d);
  }

  // -- decision ---------------------------------------------------------------------------------------
  for (const b of document.querySelectorAll('[data-decision]')) {
    b.addEventListener('click', () => {
      S.decision = b.dataset.decision;
      const codes = pairs((S.meta.decision_codes || {})[S.decision]);
      $('decision-code').replaceChildren(...(S.decision === 'accept' ? [h('option', { value: '' }, '默认（受理）')] : [h('option', { value: '' }, '请选择…')]),
        ...codes.map(([c, l]) => h('option', { value: c }, l)));
      $('decision-reason').required = S.decision !== 'accept';
      $('decision-reason').placeholder = S.decision === 'accept' ? '（选填）' : S.decision === 'reject' ? '不予受理的理由（必填，将告知市民）' : '需要补充的材料或信息（必填）';
      $('decision-submit').textContent = '确认' + b.textContent;
      $('decision-form').classList.remove('hidden');
      for (const x of document.querySelectorAll('[data-decision]')) x.classList.toggle('on', x === b);
    });
  }
  $('decision-cancel').addEventListener('click', () => { $('decision-form').classList.add('hidden'); S.decision = null; });
  $('decision-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { decision: S.decision, reason: $('decision-reason').value.trim(), code: $('decision-code').value,
      office_reference: $('decision-ref').value.trim() };
    if (S.decision !== 'accept' && (!body.code || !body.reason)) { toast('请选择决定代码并填写理由', 'error'); return; }
    if (!body.code) delete body.code;
    const d = await attempt(() => api('POST', '/api/referrals/' + S.current + '/decision', body), '已记录决定');
    if (d) { $('decision-form').reset(); renderDetail(d); loadList(); }
  });

  $('override-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const raw = $('ov-eligible').value;
    const body = { eligible: raw === 'true' ? true : raw === 'false' ? false : raw,
      economic_review: $('ov-economic').value || null, reason: $('ov-reason').value.trim() };
    const d = await attempt(() => api('POST', '/api/referrals/' + S.current + '/override', body), '已保存改判');
    if (d) { $('override-form').reset(); renderDetail(d); loadList(); }
  });

  // -- mediation records --------------------------------------------------------------------------------
  $('rec-type').addEventListener('change', () => $('rec-agreement-label').classList.toggle('hidden', $('rec-type').value !== 'agreement'));
  function fileBase64(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(',', 2)[1] || '');
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }
  $('record-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { record_type: $('rec-type').value, title: $('rec-title').value.trim(), note: $('rec-note').value.trim() };
    if ($('rec-at').value) body.occurred_at = new Date($('rec-at').value).toISOString();
    if (body.record_type === 'agreement' && $('rec-agreement').value) body.agreement_date = $('rec-agreement').value;
    const file = $('rec-file').files[0];
    if (file) {
      if (file.size > 5 * 1024 * 1024) { toast('附件不能超过 5MB', 'error'); return; }
      body.attachment = { filename: file.name, content_type: file.type || 'application/octet-stream', content_base64: await fileBase64(file) };
    }
    const d = await attempt(() => api('POST', '/api/referrals/' + S.current + '/records', body), '已添加记录');
    if (d) { $('record-form').reset(); renderDetail(d); loadList(); }
  });

  $('inbox-filters').addEventListener('submit', (e) => { e.preventDefault(); loadList(); });
  $('f-status').addEventListener('change', loadList);
  $('f-type').addEventListener('change', loadList);

  async function init() {
    const meta = await attempt(() => api('GET', '/api/referrals/meta'));
    S.meta = meta || {};
    for (const [c, l] of pairs(S.meta.statuses)) $('f-status').append(h('option', { value: c }, l));
    for (const [c, l] of pairs(S.meta.types)) $('f-type').append(h('option', { value: c }, l));
    await loadList();
    const first = new URLSearchParams(location.search).get('referral');
    if (first) open(Number(first));
    setInterval(() => { if (!document.hidden) loadList(); }, 20000);  // new referrals arrive while the page is open
  }
  init();
})();
