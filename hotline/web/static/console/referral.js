// The referral dialog (legal aid / mediation), pre-filled from the conversation.
import { h, api, toast, pairs, $, S } from './shared.js';
import { loadCase } from './case.js';

// -- referral (legal aid / mediation), pre-filled from the conversation -----------------------------
// docs/referrals-api.md: GET /api/cases/{id}/referral-draft fills the form (summary, facts, parties,
// matched office, a draft legal-aid application with its assessment); POST /api/cases/{id}/referrals.
export const R = { meta: null, kind: null, contact: null, draft: null };
export const KIND_TITLES = { legal_aid: '转介法律援助', mediation: '转介人民调解' };
export const ELIGIBLE = { true: '符合法律援助条件', false: '不符合法律援助条件', needs_review: '需法律援助机构审查' };
export function getPath(obj, path) { return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj); }
export function setPath(obj, path, value) {
  const keys = path.split('.'); let o = obj;
  for (const k of keys.slice(0, -1)) { if (o[k] == null || typeof o[k] !== 'object') o[k] = {}; o = o[k]; }
  o[keys[keys.length - 1]] = value;
}
export function field(label, path, input, guessed) {
  input.dataset.field = path;
  if (guessed.includes(path)) { input.classList.add('guessed'); input.title = '根据对话自动推测，请核实'; }
  return h('label', { class: input.type === 'checkbox' ? 'inline' : '' }, ...(input.type === 'checkbox' ? [input, label] : [label + ' ', input]));
}
export function checkGroup(path, options, chosen, guessed) {
  const box = h('div', { class: 'checks' + (guessed.includes(path) ? ' guessed' : ''), dataset: { field: path, group: '1' } },
    options.map(([c, l]) => h('label', { class: 'inline small' }, h('input', { type: 'checkbox', value: c, checked: (chosen || []).includes(c) }), l)));
  if (guessed.includes(path)) box.title = '根据对话自动推测，请核实';
  return box;
}
export function selectOf(options, value, empty) {
  return h('select', {}, empty ? h('option', { value: '' }, empty) : null, ...options.map(([c, l]) => h('option', { value: c, selected: c === value }, l)));
}
export function readFields(root, target) {
  for (const el of root.querySelectorAll('[data-field]')) {
    const path = el.dataset.field;
    let value;
    if (el.dataset.group) value = [...el.querySelectorAll('input:checked')].map((i) => i.value);
    else if (el.type === 'checkbox') value = el.checked;
    else if (el.type === 'number') value = el.value === '' ? null : Number(el.value);
    else value = el.value === '' ? null : el.value;
    setPath(target, path, value);
  }
  return target;
}
export function renderAssessment(a) {
  const box = $('referral-assessment'); if (!box) return;
  if (!a) { box.replaceChildren(h('span', { class: 'muted' }, '填写申请信息后可评估')); return; }
  box.replaceChildren(...[h('strong', {}, ELIGIBLE[String(a.eligible)] || String(a.eligible)),
    a.urgent ? h('span', { class: 'badge urgent', style: 'margin-left:.4rem' }, '紧急') : null,
    h('ul', { class: 'small' }, (a.reasons || []).map((x) => h('li', {}, x))),
    (a.deadlines || []).length ? h('div', { class: 'small' }, '期限：' + a.deadlines.map((d) => d.label + ' ' + d.date + '（剩 ' + d.days_left + ' 天）').join('；')) : null,
    (a.warnings || []).length ? h('div', { class: 'small error' }, a.warnings.join('；')) : null].filter(Boolean));
}
export function buildReferralForm() {
  const { draft, meta, kind, contact } = R;
  const guessed = draft.guessed || [];
  $('referral-title').textContent = KIND_TITLES[kind] + ' · ' + (draft.case_reference || '');
  $('referral-error').textContent = '';
  const office = draft.suggested_office;
  const applicant = (draft.parties || []).find((p) => p.role === 'applicant') || { role: 'applicant', name: '', phone: '', address: '' };
  const parts = [
    h('p', {}, '接收机构：', office ? h('strong', { id: 'referral-office', dataset: { officeId: office.id } }, office.name) : h('span', { class: 'error', id: 'referral-office' }, draft.office_error || '未找到接收机构'),
      office && office.phone ? h('span', { class: 'muted small' }, ' ' + office.phone) : null),
    h('label', {}, '摘要 ', h('textarea', { id: 'referral-summary', rows: 2, maxlength: 2000, required: true }, $('case-summary').value.trim() || draft.summary || '')),
    h('label', {}, '事实与请求（来自对话，可修改） ', h('textarea', { id: 'referral-facts', rows: 3, maxlength: 5000 }, draft.facts || '')),
    h('div', { class: 'row' }, h('label', { class: 'grow' }, '申请人姓名 ', h('input', { id: 'referral-name', value: applicant.name || '', maxlength: 64 })),
      h('label', { class: 'grow' }, '联系电话 ', h('input', { id: 'referral-phone', value: applicant.phone || '', maxlength: 32 }))),
  ];
  if (kind === 'legal_aid') {
    const app = draft.application || {};
    const fs = h('fieldset', { id: 'referral-application' }, h('legend', {}, '法律援助申请信息（虚线框为根据对话推测，请核实）'),
      h('div', { class: 'row' },
        field('省份', 'province', selectOf(pairs(meta.provinces), app.province, '请选择…'), guessed),
        field('申请人年龄', 'applicant.age', h('input', { type: 'number', min: 0, max: 150, class: 'tiny', value: getPath(app, 'applicant.age') ?? '' }), guessed),
        field('已有代理人', 'has_representative', h('input', { type: 'checkbox', checked: !!app.has_representative }), guessed),
        field('残疾', 'applicant.disabled', h('input', { type: 'checkbox', checked: !!getPath(app, 'applicant.disabled') }), guessed),
        field('进城务工人员', 'applicant.migrant_worker', h('input', { type: 'checkbox', checked: !!getPath(app, 'applicant.migrant_worker') }), guessed)),
      h('div', { class: 'small muted' }, '申请事项'), checkGroup('matter_types', pairs(meta.matter_types), app.matter_types, guessed),
      field('事项说明', 'matter_description', h('input', { value: app.matter_description || '', maxlength: 500 }), guessed),
      h('div', { class: 'small muted' }, '社会救助'), checkGroup('applicant.assistance', pairs(meta.assistance), getPath(app, 'applicant.assistance'), guessed),
      h('div', { class: 'row' },
        field('家庭人数', 'economy.household_size', h('input', { type: 'number', min: 1, class: 'tiny', value: getPath(app, 'economy.household_size') ?? '' }), guessed),
        field('家庭月收入(元)', 'economy.household_monthly_income', h('input', { type: 'number', min: 0, class: 'short', value: getPath(app, 'economy.household_monthly_income') ?? '' }), guessed),
        field('已作诚信承诺', 'economy.integrity_pledge', h('input', { type: 'checkbox', checked: !!getPath(app, 'economy.integrity_pledge') }), guessed)),
      h('div', { class: 'row' },
        field('期限日期', 'deadline_date', h('input', { type: 'date', value: app.deadline_date || '' }), guessed),
        field('期限类型', 'deadline_kind', selectOf([['limitation', '诉讼时效'], ['arbitration', '仲裁时效'], ['appeal', '上诉期'], ['reconsideration', '复议期'], ['litigation', '起诉期'], ['other', '其他']], app.deadline_kind, '无'), guessed),
        field('需财产/证据保全', 'preservation_needed', h('input', { type: 'checkbox', checked: !!app.preservation_needed }), guessed)),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'small', id: 'referral-assess', onclick: assessAgain }, '重新评估'),
        h('div', { class: 'assessment grow', id: 'referral-assessment' })));
    parts.push(fs);
  } else {
    parts.push(h('fieldset', { id: 'referral-consent' }, h('legend', {}, '当事人同意（人民调解须当事人自愿）'),
      h('label', { class: 'inline' }, h('input', { type: 'checkbox', id: 'consent-given' }), '市民已同意将纠纷转交人民调解'),
      h('div', { class: 'row' }, h('label', {}, '确认方式 ', selectOf(pairs(meta.consent_methods), contact.channel === 'call' ? 'call' : 'chat')),
        h('label', { class: 'grow' }, '说明 ', h('input', { id: 'consent-note', maxlength: 200, placeholder: '如：市民在对话中明确同意' })))));
    if (draft.mediable === false) parts.push(h('p', { class: 'error' }, '该类别通常不适宜人民调解，提交可能被拒绝。'));
  }
  $('referral-fields').replaceChildren(...parts);
  const consentSelect = document.querySelector('#referral-consent select'); if (consentSelect) consentSelect.id = 'consent-method';
  renderAssessment(draft.assessment);
}
export function currentApplication() {
  const app = JSON.parse(JSON.stringify(R.draft.application || {}));
  readFields($('referral-application'), app);
  if (app.economy && app.economy.household_size == null && app.economy.household_monthly_income == null && !app.economy.integrity_pledge) app.economy = null;
  if (!app.deadline_date) { app.deadline_date = null; app.deadline_kind = null; }
  return app;
}
export function showReferralError(e) {
  const errs = (e.data && e.data.errors) || [];
  $('referral-error').replaceChildren(e.message, ...(errs.length ? [h('ul', { class: 'small' }, errs.map((x) => h('li', {}, (x.field ? x.field + '：' : '') + x.message)))] : []));
}
export async function assessAgain() {
  try { renderAssessment(await api('POST', '/api/referrals/assess', currentApplication())); $('referral-error').textContent = ''; }
  catch (e) { showReferralError(e); }
}
export async function openReferral(kind) {
  const contact = S.contacts.get(S.current); if (!contact || !contact.case_id) return;
  try {
    R.meta = R.meta || await api('GET', '/api/referrals/meta');
    R.draft = await api('GET', '/api/cases/' + contact.case_id + '/referral-draft?type=' + kind);
  } catch (e) { toast(e.status === 404 && !R.meta ? '转介服务暂不可用' : e.message, 'error'); return; }
  Object.assign(R, { kind, contact });
  buildReferralForm();
  $('referral-dialog').showModal();
}
$('referral-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const { draft, kind, contact } = R;
  const parties = JSON.parse(JSON.stringify(draft.parties || []));
  let applicant = parties.find((p) => p.role === 'applicant');
  if (!applicant) { applicant = { role: 'applicant', name: '', phone: '', address: '', description: '' }; parties.unshift(applicant); }
  applicant.name = $('referral-name').value.trim(); applicant.phone = $('referral-phone').value.trim();
  const body = { type: kind, office_id: draft.suggested_office ? draft.suggested_office.id : null, contact_id: contact.id,
    summary: $('referral-summary').value.trim(), facts: $('referral-facts').value.trim(), parties };
  if (kind === 'legal_aid') body.application = currentApplication();
  else {
    if (!$('consent-given').checked) { $('referral-error').textContent = '人民调解须经市民同意，请先确认市民已同意'; return; }
    body.consent = { given: true, method: $('consent-method').value, note: $('consent-note').value.trim() };
  }
  $('referral-submit').disabled = true;
  try {
    const out = await api('POST', '/api/cases/' + contact.case_id + '/referrals', body);
    $('referral-dialog').close();
    toast('已转介：' + (out.reference || '') + ' → ' + ((out.office && out.office.name) || ''), 'ok');
    loadCase(contact.case_id);
  } catch (err) { showReferralError(err); }
  finally { $('referral-submit').disabled = false; }
});
$('refer-legal-aid').addEventListener('click', () => openReferral('legal_aid'));
$('refer-mediation').addEventListener('click', () => openReferral('mediation'));
