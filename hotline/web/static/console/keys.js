// Input-method state for the console's keyboard shortcuts: while an IME composes (pinyin,
// wubi...), key events belong to the composition, never to a shortcut.
let active = false;
document.addEventListener('compositionstart', () => { active = true; }, true);
document.addEventListener('compositionend', () => { active = false; }, true);
window.addEventListener('blur', () => { active = false; });

// Whether a keydown event is part of a composition: the event says so (isComposing, or the
// legacy keyCode 229 some IMEs send), or a composition started and has not ended.
export function composing(e) { return active || !!(e && (e.isComposing || e.keyCode === 229)); }
