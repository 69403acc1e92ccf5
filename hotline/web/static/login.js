// The staff login form. `next` (from the form's data-next) is followed only when it is a
// same-origin path: one leading "/", not "//" or "/\" (the server drops anything else too).
(function () {
  'use strict';
  function safeNext(v) {
    if (!v || v[0] !== '/' || v[1] === '/' || v[1] === '\\') return '';
    if (/[\s\x00-\x1f\x7f\\]/.test(v)) return '';
    const u = new URL(v, location.origin);
    return u.origin === location.origin ? u.pathname + u.search + u.hash : '';
  }
  document.getElementById('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    const r = await fetch('/api/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({username: f.username.value, password: f.password.value})});
    const data = await r.json();
    if (!r.ok) { document.getElementById('login-error').textContent = (typeof data.detail === 'string' && data.detail) || data.title || '登录失败'; return; }
    location.href = safeNext(f.dataset.next) || data.home;
  });
})();
