// Transfer, end and wrap-up: the dialogs that hand a contact on or close it.
import { h, api, attempt, toast, $, ME, STATE_LABELS, S } from './shared.js';
import { setMyState, loadContacts, renderContacts, renderHead } from './main.js';

// -- transfer, end, wrap-up ------------------------------------------------------------------------
for (const b of document.querySelectorAll('dialog [data-close]')) b.addEventListener('click', () => b.closest('dialog').close());
$('transfer-open').addEventListener('click', () => {
  const sel = $('transfer-to'); sel.replaceChildren();
  for (const l of S.meta.lawyers.filter((x) => x.id !== ME)) {
    sel.append(h('option', { value: l.id }, l.name + '（' + (STATE_LABELS[l.state] || l.state) + '）'));
  }
  if (!sel.options.length) { toast('没有可转接的律师', 'error'); return; }
  $('transfer-dialog').showModal();
});
$('transfer-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = S.current; const reason = $('transfer-reason').value.trim();
  if (!reason) { toast('请填写转接原因', 'error'); return; }
  const ok = await attempt(() => api('POST', '/api/routing/contacts/' + id + '/transfer',
    { to_user_id: Number($('transfer-to').value), reason }), '已转接');
  if (ok) { $('transfer-dialog').close(); $('transfer-reason').value = ''; await loadContacts(); }
});
$('end-open').addEventListener('click', () => {
  $('end-disposition').value = $('case-disposition').value || '';
  $('end-dialog').showModal();
});
$('end-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const disposition = $('end-disposition').value; if (!disposition) { toast('请选择处理结果', 'error'); return; }
  const id = S.current;
  const ok = await attempt(() => api('POST', '/api/contacts/' + id + '/end', { disposition }));
  if (ok) {
    $('end-dialog').close();
    const c = S.contacts.get(id); if (c) { c.status = 'ended'; c.ended_at = ok.ended_at; }
    $('wrapup-disposition').value = disposition;
    renderContacts(); renderHead(); $('reply-form').classList.add('hidden');
  }
});
export function showWrapup(contactId) {
  S.wrapupContact = contactId;
  const c = S.contacts.get(contactId);
  $('wrapup-info').textContent = c ? '（' + (c.case_reference || '') + '）请选择处理结果后继续接待' : '';
  $('wrapup-bar').classList.remove('hidden');
  if (!$('wrapup-disposition').value) $('wrapup-disposition').value = $('case-disposition').value || '';
  setMyState('wrapup');
}
export function hideWrapup() { S.wrapupContact = null; $('wrapup-bar').classList.add('hidden'); }
$('wrapup-done').addEventListener('click', async () => {
  const disposition = $('wrapup-disposition').value;
  if (!disposition) { toast('请选择处理结果', 'error'); return; }
  const ok = await attempt(() => api('POST', '/api/routing/wrapup', { disposition }), '话后整理完成');
  if (ok) { hideWrapup(); $('wrapup-disposition').value = ''; setMyState('available'); await loadContacts(); }
});
