// The console's shared state and helpers: the page's staff helpers (window.Staff), the signed-in
// lawyer, the labels, and `S`, the one state object the panels read and write.

export const { h, api, attempt, toast, localTime, articleHref, pairs } = window.Staff;
export const $ = (id) => document.getElementById(id);
export const ME = window.CONSOLE.userId;
export const REASONS = window.CONSOLE.reasons;
export const STATE_LABELS = { available: '空闲', busy: '忙碌', wrapup: '话后整理', break: '小休', offline: '离线' };
export const SPEAKERS = { citizen: '市民', lawyer: '律师', system: '系统', supervisor: '督导' };

export const S = {
  meta: null, myState: null, contacts: new Map(), current: null, messages: new Map(), partials: new Map(),
  suggestions: new Map(), searchHits: null, offer: null, offerTimer: null, beepTimer: null, socket: null,
  wrapupContact: null, cases: new Map(), referralKind: null,
};


export function categoryName(code) {
  const c = S.meta && S.meta.categories.find((x) => x.code === code);
  return c ? c.name : (code || '未分类');
}
