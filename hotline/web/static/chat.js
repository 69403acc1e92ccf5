// Citizen chat: one WebSocket, resumable across reloads and server restarts.
// Unacknowledged messages stay in localStorage and are resent (client_id makes that safe).
(function () {
  'use strict';
  const KEY = 'hotline.chat';
  const saved = JSON.parse(localStorage.getItem(KEY) || '{}');
  const state = { resume: saved.resume || null, chatToken: saved.chatToken || null,
                  outbox: saved.outbox || [], ws: null, retry: 0, ended: false };
  const $ = (id) => document.getElementById(id);
  const thread = $('thread');

  function persist() {
    localStorage.setItem(KEY, JSON.stringify({ resume: state.resume, chatToken: state.chatToken, outbox: state.outbox }));
  }
  function uid() {
    return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
  }
  function setConn(text, ok) {
    const el = $('conn-state'); el.textContent = text; el.className = 'conn ' + (ok ? 'ok' : 'down');
  }
  const WHO = { citizen: '我', lawyer: '值班律师', supervisor: '督导', system: '系统' };
  const clock = new Intl.DateTimeFormat('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false });
  // the end of a new message must not hide behind the sticky composer (or the waiting notice)
  function reveal(li) {
    const cover = ['composer', 'waiting'].map((id) => $(id)).filter((el) => !el.classList.contains('hidden'))
      .reduce((sum, el) => sum + el.offsetHeight, 0);
    document.documentElement.style.scrollPaddingBottom = (cover + 12) + 'px';
    li.scrollIntoView({ block: 'end' });
  }
  function makeBubble(speaker, text, at) {
    const li = document.createElement('li');
    li.className = 'msg ' + speaker;
    const who = document.createElement('span'); who.className = 'who'; who.textContent = WHO[speaker] || '系统';
    const when = new Date(at || Date.now());
    const time = document.createElement('time'); time.className = 'at';
    time.dateTime = when.toISOString(); time.textContent = ' ' + clock.format(when);
    who.append(time);
    const body = document.createElement('div'); body.className = 'body'; body.textContent = text;
    const st = document.createElement('span'); st.className = 'status';
    li.append(who, body, st);
    return li;
  }
  function bubble(key, speaker, text, status, at) {
    let li = key ? thread.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
    if (!li) {
      li = makeBubble(speaker, text, at);
      if (key) li.dataset.key = key;
      thread.append(li);
      reveal(li);
    }
    if (status !== undefined) li.querySelector('.status').textContent = status;
    return li;
  }
  function showError(text) { $('chat-error').textContent = text || ''; }

  function send(frame) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) { state.ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function flushOutbox() {
    for (const m of state.outbox) send({ type: 'message', client_id: m.client_id, text: m.text });
  }

  function onFrame(frame) {
    switch (frame.type) {
      case 'session': {
        // the earlier consultation ended while we were away (e.g. gone longer than the grace period)
        const expired = state.resume && !frame.resumed && !state.ended;
        state.resume = frame.resume_token; state.chatToken = frame.chat_token; persist();
        if (expired) bubble(null, 'system', '上次咨询已结束，已为您开始新的咨询。', '');
        $('case-ref').textContent = '案件编号：' + frame.case_reference;
        showService(frame.service, !frame.history.length && !thread.children.length);
        for (const u of frame.history) {
          const li = bubble(u.client_id || ('u' + u.id), u.speaker, u.text, u.speaker === 'citizen' ? '已送达' : '', u.at);
          if (u.speaker === 'system' && /^【(安全)?提示】/.test(u.text)) li.classList.add('safety');
        }
        for (const m of state.outbox) bubble(m.client_id, 'citizen', m.text, '发送中…');
        flushOutbox();
        if (frame.status === 'ended') endUi();
        if (frame.callback) showCallback(frame.callback);
        state.consentVersion = frame.consent ? frame.consent.version : null;
        if (!frame.consent || frame.consent.given) consented();
        else if (state.agreed) send({ type: 'consent', version: state.consentVersion });
        break;
      }
      case 'consented': consented(); break;
      case 'callback_request': showCallback({ phone: '' }); break;
      case 'callback_saved':
        $('callback-form').classList.add('hidden');
        $('callback-submit').disabled = false;
        $('callback-done').textContent = '已记录您的电话 ' + frame.phone + '，值班律师上线后会尽快回电。';
        $('callback-done').classList.remove('hidden');
        break;
      case 'ack':
        state.outbox = state.outbox.filter((m) => m.client_id !== frame.client_id); persist();
        bubble(frame.client_id, 'citizen', '', '已送达');
        break;
      case 'utterance': {
        const li = bubble('u' + frame.id, frame.speaker, frame.text, '', frame.at);
        if (frame.safety) { li.classList.add('safety'); li.setAttribute('role', 'alert'); li.scrollIntoView({ block: 'end' }); }
        break;
      }
      case 'status':
        if (frame.status === 'ended') endUi();
        if (frame.status === 'active') showWaiting(null);
        break;
      case 'queue': showWaiting(frame); break;
      case 'ended': endUi(); break;
      case 'rated':
        $('rating').classList.add('hidden');
        $('rating-done').classList.remove('hidden');
        $('rate-submit').disabled = false;
        break;
      case 'error':
        $('rate-submit').disabled = false; $('callback-submit').disabled = false;
        if (frame.code === 'rate_limited' && frame.client_id) {  // kept in the outbox, resent when allowed
          const m = state.outbox.find((x) => x.client_id === frame.client_id);
          if (m) {
            bubble(m.client_id, 'citizen', '', '发送过于频繁，稍后自动重发…');
            const wait = Math.ceil((frame.retry_after_s || 1) * 1000) + Math.floor(Math.random() * 300);
            setTimeout(() => send({ type: 'message', client_id: m.client_id, text: m.text }), wait);
          }
          break;
        }
        if (frame.client_id) {
          state.outbox = state.outbox.filter((m) => m.client_id !== frame.client_id); persist();
          bubble(frame.client_id, 'citizen', '', '未发送：' + frame.message);
        }
        showError(frame.message);
        break;
    }
  }

  function showService(service, fresh) {
    if (!service) return;
    $('service-hours').textContent = '服务时间：' + service.hours;
    if (fresh && service.greeting) bubble('greeting', 'system', service.greeting, '');
    if (!service.open && service.off_hours_message) bubble('off-hours', 'system', service.off_hours_message, '').classList.add('off-hours');
  }
  function consented() {
    $('consent').classList.add('hidden');
    if (!state.ended) $('composer').classList.remove('hidden');
  }
  function showCallback(cb) {
    if (state.ended) return;
    if (cb.phone) {
      $('callback-done').textContent = '已记录您的电话 ' + cb.phone + '，值班律师上线后会尽快回电。';
      $('callback-done').classList.remove('hidden'); $('callback-form').classList.add('hidden');
    } else if ($('callback-done').classList.contains('hidden')) {
      $('callback-form').classList.remove('hidden');
    }
  }
  // the same rules as the server (hotline.queue.callbacks.normalise_phone)
  function phoneDigits(raw) {
    let d = raw.replace(/[\s\-()（）]/g, '');
    if (d.startsWith('+86')) d = d.slice(3); else if (d.startsWith('0086')) d = d.slice(4);
    return /^1[3-9]\d{9}$/.test(d) || /^0\d{2,3}\d{7,8}$/.test(d) ? d : null;
  }
  function showWaiting(q) {
    const box = $('waiting');
    if (!q || q.position === null || q.position === undefined || state.ended) { box.classList.add('hidden'); return; }
    let text = '正在为您转接值班律师，请稍候。';
    if (q.on_duty) {
      text += q.ahead > 0 ? '您前面还有 ' + q.ahead + ' 位市民在等待' : '您是下一位';
      if (q.estimate_min) text += '，预计等待约 ' + q.estimate_min + ' 分钟';
      text += '。';
    }
    $('waiting-text').textContent = text;
    box.dataset.position = q.position;
    box.classList.remove('hidden');
  }

  function endUi() {
    if (state.ended) return;
    showWaiting(null);
    state.ended = true;
    $('composer').classList.add('hidden'); $('end-chat').classList.add('hidden'); $('callback-form').classList.add('hidden');
    $('attach-label').classList.add('hidden');
    $('consent').classList.add('hidden');
    $('rating').classList.remove('hidden');
    bubble(null, 'system', '本次咨询已结束。', '');
    $('rating').scrollIntoView({ block: 'center' });  // the rating form in view, not below the fold
  }

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/ws/chat`);
    state.ws = ws;
    ws.onopen = () => {
      state.retry = 0; setConn('已连接', true);
      ws.send(JSON.stringify({ type: 'hello', resume_token: state.resume, chat_token: state.chatToken }));
    };
    ws.onmessage = (ev) => onFrame(JSON.parse(ev.data));
    ws.onclose = () => {
      setConn('连接已断开，正在重连…', false);
      state.retry = Math.min(state.retry + 1, 6);
      setTimeout(connect, 300 * 2 ** state.retry);
    };
  }

  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('message').value.trim();
    if (!text) return;
    showError('');
    const m = { client_id: uid(), text };
    state.outbox.push(m); persist();
    bubble(m.client_id, 'citizen', text, '发送中…');
    send({ type: 'message', client_id: m.client_id, text });
    $('message').value = '';
  });
  $('message').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('composer').requestSubmit(); }
  });
  $('end-chat').addEventListener('click', () => send({ type: 'end' }));
  const ATTACH_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'];
  $('attach').addEventListener('change', async () => {
    const file = $('attach').files[0]; $('attach').value = '';
    if (!file) return;
    if (file.size > 5 * 1024 * 1024) { showError('文件过大：每个附件不超过 5 MB'); return; }
    if (file.type && !ATTACH_TYPES.includes(file.type)) { showError('只能上传照片（JPG、PNG、WebP）或 PDF 文件'); return; }
    if (!state.resume) { showError('会话尚未建立，请稍候'); return; }
    showError('');
    const li = bubble(null, 'citizen', '（上传中：' + file.name + '）', '上传中…');
    const form = new FormData(); form.append('file', file);
    try {
      const r = await fetch('/api/chat/attachments', { method: 'POST', body: form, headers: { 'X-Resume-Token': state.resume } });
      const data = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(typeof data.detail === 'string' ? data.detail : '上传失败，请稍后重试');
      li.dataset.key = 'u' + data.utterance.id;
      li.querySelector('.body').textContent = data.utterance.text;
      li.querySelector('.status').textContent = '已送达';
    } catch (e) {
      li.querySelector('.status').textContent = '未发送：' + e.message; showError(e.message);
    }
  });
  $('consent-check').addEventListener('change', () => { $('consent-accept').disabled = !$('consent-check').checked; });
  $('consent-accept').addEventListener('click', () => {
    if (!$('consent-check').checked) return;
    state.agreed = true;
    if (state.consentVersion) send({ type: 'consent', version: state.consentVersion });
    $('consent-accept').disabled = true;
  });
  $('callback-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const raw = $('callback-phone').value.trim();
    if (!phoneDigits(raw)) { showError('请填写正确的手机号（11 位）或带区号的固定电话，例如 13800138000 或 010-12345678'); return; }
    if (!$('callback-consent').checked) { showError('请先勾选同意保存电话号码用于回电'); return; }
    if (!send({ type: 'callback_phone', phone: raw, consent: true })) { showError('连接已断开，请稍候再提交'); return; }
    showError(''); $('callback-submit').disabled = true;
  });
  const SCORE_LABELS = { 1: '很不满意', 2: '不满意', 3: '一般', 4: '满意', 5: '非常满意' };
  for (const input of document.querySelectorAll('input[name=score]')) {
    input.addEventListener('change', () => { $('score-label').textContent = input.value + ' 分 · ' + SCORE_LABELS[input.value]; showError(''); });
  }
  $('rating').addEventListener('submit', (e) => {
    e.preventDefault();
    const picked = document.querySelector('input[name=score]:checked');
    if (!picked) { showError('请先点击星星打分'); return; }
    if (!send({ type: 'rate', score: Number(picked.value), comment: $('rating-comment').value.trim() })) {
      showError('连接已断开，请稍候再提交'); return;
    }
    showError('');
    $('rate-submit').disabled = true;
  });
  $('new-chat').addEventListener('click', (e) => {
    // a new consultation: forget the finished session, keep the citizen's token (same case if still open)
    e.preventDefault();
    const earlier = [...thread.querySelectorAll('li.msg')].slice(-200).map((li) => ({
      speaker: [...li.classList].find((c) => WHO[c]) || 'system', text: li.querySelector('.body').textContent,
      at: li.querySelector('time') ? li.querySelector('time').dateTime : null }));
    localStorage.setItem(KEY + '.earlier', JSON.stringify(earlier));
    state.resume = null; state.outbox = []; persist(); location.reload();
  });
  // the consultation before 开始新的咨询 stays readable on this device
  (function showEarlier() {
    const earlier = JSON.parse(localStorage.getItem(KEY + '.earlier') || '[]');
    if (!earlier.length) return;
    const list = $('earlier-thread');
    for (const m of earlier) list.append(makeBubble(m.speaker, m.text, m.at));
    $('earlier').classList.remove('hidden');
  })();
  connect();
})();
