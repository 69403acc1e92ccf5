// The case panel: the case record of the current contact, edited in place.
import { h, api, attempt, toast, $, S } from './shared.js';

// -- case panel -------------------------------------------------------------------------------------
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso); const pad = (n) => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}
export async function loadCase(caseId) {
  if (!caseId) return;
  const data = await attempt(() => api('GET', '/api/cases/' + caseId));
  if (!data || !S.contacts.get(S.current) || S.contacts.get(S.current).case_id !== caseId) return;
  const c = data.case;
  S.cases.set(caseId, data);
  $('case-empty').classList.add('hidden'); $('case-form').classList.remove('hidden');
  $('case-ref').textContent = c.reference;
  $('case-status').textContent = c.status_label + (c.overdue ? ' · 已超期' : '');
  $('case-status').className = 'badge' + (c.overdue ? ' overdue' : '');
  $('case-category').value = c.category_code || 'other';
  $('case-summary').value = c.summary || '';
  $('case-disposition').value = c.disposition || '';
  if (c.disposition && ![...$('case-disposition').options].some((o) => o.value === c.disposition)) {
    $('case-disposition').append(h('option', { value: c.disposition }, c.disposition)); $('case-disposition').value = c.disposition;
  }
  $('case-deadline').value = toLocalInput(c.deadline_at);
  $('case-deadline-note').textContent = c.deadline_at ? '（限时办结，按类别自动计算，可调整）' : '';
}
export async function saveCase() {
  const contact = S.contacts.get(S.current); if (!contact) return;
  const data = S.cases.get(contact.case_id); if (!data) return;
  const c = data.case; const body = { reason: '律师工作台更新' };
  const category = $('case-category').value, summary = $('case-summary').value.trim();
  const disposition = $('case-disposition').value, deadline = $('case-deadline').value;
  if (category && category !== c.category_code) body.category_code = category;
  if (summary !== (c.summary || '')) body.summary = summary;
  if (disposition !== (c.disposition || '')) body.disposition = disposition;
  if (deadline && deadline !== toLocalInput(c.deadline_at)) body.deadline_at = new Date(deadline).toISOString();
  if (Object.keys(body).length === 1) { toast('没有需要保存的修改'); return; }
  const out = await attempt(() => api('PATCH', '/api/cases/' + contact.case_id, body), '案件信息已保存');
  if (out) loadCase(contact.case_id);
}
$('case-form').addEventListener('submit', (e) => { e.preventDefault(); saveCase(); });
