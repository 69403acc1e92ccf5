// Reply drafts, one per contact: what the lawyer typed for one citizen stays with that citizen.
// Switching chats stashes the box's text under the old contact and restores the new contact's;
// drafts survive a reload of the page (sessionStorage, this tab only, never the server).
import { $, ME, S } from './shared.js';

const KEY = (id) => 'console-draft:' + ME + ':' + id;
S.drafts = new Map();

export function draftOf(id) {
  if (S.drafts.has(id)) return S.drafts.get(id);
  try { return sessionStorage.getItem(KEY(id)) || ''; } catch (e) { return ''; }
}
export function setDraft(id, text) {
  if (id == null) return;
  if (text) S.drafts.set(id, text); else S.drafts.delete(id);
  try { if (text) sessionStorage.setItem(KEY(id), text); else sessionStorage.removeItem(KEY(id)); } catch (e) { /* storage off */ }
}
// Before S.current changes: keep what the box holds for the contact being left.
export function stashDraft() { if (S.current != null) setDraft(S.current, $('reply-text').value); }
// After S.current changed: the box shows the new contact's draft (empty when none).
export function restoreDraft() { $('reply-text').value = S.current != null ? draftOf(S.current) : ''; }
// A reply was sent for `id`: its draft is gone; the box is cleared only if it still shows `id`.
export function sentDraft(id) { setDraft(id, ''); if (S.current === id) $('reply-text').value = ''; }

$('reply-text').addEventListener('input', () => setDraft(S.current, $('reply-text').value));
