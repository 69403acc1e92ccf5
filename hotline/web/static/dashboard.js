// Manager dashboard: service levels and charts for a date range (from /api/admin/report, computed
// from the audit log), CSV exports, and the live queue wall (staff WebSocket + voice status).
(function () {
  'use strict';
  const { h, api, attempt, pct, secs, num, localDate, labelOf } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const STATE_LABELS = { available: '空闲', busy: '忙碌', wrapup: '话后整理', break: '小休', offline: '离线' };
  // locale: the zh-CN dictionary of /static/vendor/plotly-locale-zh-cn.js (toolbar, dates in Chinese)
  const PLOT = { displaylogo: false, responsive: true, locale: 'zh-CN', modeBarButtonsToRemove: ['lasso2d', 'select2d', 'sendChartToCloud'] };  // no upload to Plotly Cloud
  const FONT = { family: '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif', size: 12 };
  let categories = {};
  let referralMeta = {};  // labels of referral types and statuses (GET /api/referrals/meta)
  let lastReport = null;

  // -- filters ----------------------------------------------------------------------------------------
  function initFilters() {
    const q = new URLSearchParams(location.search);
    const today = new Date();
    const weekAgo = new Date(today.getTime() - 6 * 86400000);
    $('f-start').value = q.get('start') || localDate(weekAgo);
    $('f-end').value = q.get('end') || localDate(today);
    $('f-granularity').value = q.get('granularity') || '';
    if (q.get('sl')) $('f-sl').value = q.get('sl');
    if (q.get('short')) $('f-short').value = q.get('short');
  }
  function query() {
    const q = new URLSearchParams({ start: $('f-start').value, end: $('f-end').value, sl: $('f-sl').value, short: $('f-short').value });
    if ($('f-granularity').value) q.set('granularity', $('f-granularity').value);
    return q.toString();
  }

  // -- service levels ---------------------------------------------------------------------------------
  const KPIS = [
    ['offered', '呼入量', (s) => num(s.offered), (s) => '另有短时放弃 ' + s.short_abandoned + '，排队中 ' + s.waiting],
    ['answered', '接通量', (s) => num(s.answered), (s) => '放弃 ' + s.abandoned],
    ['answer_rate', '接通率', (s) => pct(s.answer_rate), () => '接通 ÷ 呼入'],
    ['asa', '平均应答速度', (s) => secs(s.asa_s), () => '接通者的平均排队时长'],
    ['abandon_rate', '放弃率', (s) => pct(s.abandon_rate), (s) => '平均放弃前等待 ' + secs(s.avg_abandon_wait_s)],
    ['service_level', '服务水平', (s) => pct(s.service_level), (s) => s.service_level_s + ' 秒内接通 ÷ 呼入（目标 80%）'],
    ['aht', '平均处理时长', (s) => secs(s.aht_s), (s) => '通话/会话 ' + secs(s.avg_talk_s) + ' + 话后 ' + secs(s.avg_wrapup_s)],
    ['rated_share', '测评率', (s) => pct(s.rated_share), (s) => '评价 ' + s.rated + ' ÷ 接通 ' + s.answered],
    ['satisfaction', '满意度', (s) => pct(s.satisfaction), (s) => '4-5 分占比；平均 ' + num(s.mean_score, 2) + ' 分'],
  ];
  function renderKpis(sl) {
    const box = $('kpis'); box.replaceChildren();
    for (const [key, label, value, sub] of KPIS) {
      const raw = { asa: sl.asa_s, aht: sl.aht_s }[key] ?? sl[key];
      box.append(h('div', { class: 'kpi', id: 'kpi-' + key, dataset: { value: raw === null || raw === undefined ? '' : String(raw) } },
        h('div', { class: 'label' }, label), h('div', { class: 'value' }, value(sl)), h('div', { class: 'sub' }, sub(sl))));
    }
    $('kpi-note').textContent = '统计口径：进入队列的联系（不含 ' + sl.short_abandon_s + ' 秒内放弃的短时放弃）。';
  }
  function slRow(label, s) {
    return h('tr', {}, h('td', {}, label), h('td', { class: 'num' }, s.offered), h('td', { class: 'num' }, s.answered),
      h('td', { class: 'num' }, pct(s.answer_rate)), h('td', { class: 'num' }, secs(s.asa_s)), h('td', { class: 'num' }, pct(s.abandon_rate)),
      h('td', { class: 'num' }, pct(s.service_level)), h('td', { class: 'num' }, secs(s.aht_s)), h('td', { class: 'num' }, pct(s.rated_share)),
      h('td', { class: 'num' }, pct(s.satisfaction)));
  }

  // -- charts -----------------------------------------------------------------------------------------
  function layout(extra) {
    return Object.assign({ font: FONT, margin: { l: 45, r: 15, t: 10, b: 55 }, barmode: 'stack', legend: { orientation: 'h', y: -0.25 },
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)' }, extra || {});
  }
  // A count axis (contacts, lawyers, referrals): whole-number ticks only, from zero, a step of
  // 1, 2, 5, 10, 20, ... so that there are at most about eight ticks.
  function countAxis(values, extra) {
    const max = Math.max(1, ...values.filter((x) => Number.isFinite(x)));
    let step = 1;
    for (let i = 0; max / step > 8; i++) step *= [2, 2.5, 2][i % 3];
    return Object.assign({ rangemode: 'tozero', tickformat: 'd', tick0: 0, dtick: Math.max(1, Math.round(step)) }, extra || {});
  }
  function emptyNote(traces) {
    const any = traces.some((t) => (t.y || []).some((v) => v) || (t.z || []).some((row) => row.some((v) => v)));
    return any ? [] : [{ text: '所选区间暂无数据', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, font: { size: 15, color: '#6b7785' } }];
  }
  function barTraces(labels, series) {
    return Object.entries(series).map(([name, ys]) => ({ type: 'bar', name, x: labels, y: ys }));
  }
  function renderCharts(r) {
    const v = r.volume;
    const xTitle = { hour: '小时', day: '日期', week: '周（起始日）' }[v.granularity];
    let traces = barTraces(v.labels, v.by_channel);
    if (!traces.length) traces = [{ type: 'bar', name: '合计', x: v.labels, y: v.total }];
    Plotly.react('chart-channel', traces, layout({ xaxis: { title: { text: xTitle } }, yaxis: countAxis(v.total, { title: { text: '联系数' } }), annotations: emptyNote(traces) }), PLOT);
    let ctraces = barTraces(v.labels, v.by_category);
    if (!ctraces.length) ctraces = [{ type: 'bar', name: '合计', x: v.labels, y: v.total }];
    Plotly.react('chart-category', ctraces, layout({ xaxis: { title: { text: xTitle } }, yaxis: countAxis(v.total, { title: { text: '联系数' } }), annotations: emptyNote(ctraces) }), PLOT);
    const p = r.peak;
    const heat = [{ type: 'heatmap', z: p.average, x: p.hours.map((x) => x + '时'), y: p.weekdays, colorscale: 'Reds', hovertemplate: '%{y} %{x}：平均 %{z} 个<extra></extra>' }];
    Plotly.react('chart-peak', heat, layout({ margin: { l: 45, r: 10, t: 10, b: 40 }, yaxis: { autorange: 'reversed' }, annotations: emptyNote(heat) }), PLOT);
    const days = Math.max(1, Math.round((new Date(r.range.end) - new Date(r.range.start)) / 86400000));
    const demand = p.by_hour.map((c) => +(c / days).toFixed(2));
    const rostered = p.hours.map((hr) => +(p.rostered.reduce((a, row) => a + row[hr], 0) / 7).toFixed(2));
    const st = [
      { type: 'bar', name: '日均呼入', x: p.hours, y: demand, marker: { color: '#b3261e' } },
      { type: 'scatter', mode: 'lines+markers', name: '在岗律师（本周排班，日均）', x: p.hours, y: rostered, yaxis: 'y2', line: { color: '#1d4f91' } },
    ];
    Plotly.react('chart-staffing', st, layout({ barmode: 'group', margin: { l: 45, r: 50, t: 10, b: 55 }, xaxis: { title: { text: '小时（本地时间）' }, dtick: 2 },
      yaxis: { title: { text: '日均呼入' }, rangemode: 'tozero' },
      yaxis2: countAxis(rostered, { title: { text: '在岗律师（人）' }, overlaying: 'y', side: 'right' }) }), PLOT);
    $('peak-top').textContent = p.top_hours.length ? '高峰：' + p.top_hours.map((x) => x + ':00').join('、') : '';
    const ref = r.referrals;
    const types = Object.keys(ref.matrix || {});
    const statuses = [...new Set(types.flatMap((t) => Object.keys(ref.matrix[t])))];
    const rt = statuses.map((s) => ({ type: 'bar', name: labelOf(referralMeta.statuses, s),
      x: types.map((t) => labelOf(referralMeta.types, t)), y: types.map((t) => ref.matrix[t][s] || 0) }));
    const hidden = { visible: false };
    const refTotals = types.map((t) => Object.values(ref.matrix[t]).reduce((a, n) => a + n, 0));
    Plotly.react('chart-referrals', rt, layout(Object.assign({ margin: { l: 35, r: 10, t: 10, b: 40 }, yaxis: countAxis(refTotals), annotations: ref.available ? emptyNote(rt) :
      [{ text: '转介模块未启用', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }] }, rt.length ? {} : { xaxis: hidden, yaxis: hidden })), PLOT);
  }

  // -- tables -----------------------------------------------------------------------------------------
  function renderTables(r) {
    const byCh = $('by-channel'); byCh.replaceChildren(slRow('全部', r.service_levels));
    for (const [label, s] of Object.entries(r.by_channel)) byCh.append(slRow(label, s));
    const pl = $('per-lawyer'); pl.replaceChildren();
    if (!r.per_lawyer.length) pl.append(h('tr', {}, h('td', { colspan: 14, class: 'empty' }, '所选区间没有分配记录')));
    for (const l of r.per_lawyer) {
      pl.append(h('tr', { dataset: { userId: l.user_id } }, h('td', {}, l.name), ...[l.offers, l.accepted, l.rejected, l.timeouts].map((x) => h('td', { class: 'num' }, x)),
        h('td', { class: 'num' }, secs(l.avg_accept_s)), h('td', { class: 'num' }, l.handled), h('td', { class: 'num' }, secs(l.avg_talk_s)),
        h('td', { class: 'num' }, secs(l.avg_wrapup_s)), h('td', { class: 'num' }, secs(l.aht_s)), h('td', { class: 'num' }, pct(l.rated_share)),
        h('td', { class: 'num' }, num(l.mean_score, 2)), h('td', { class: 'num' }, pct(l.satisfaction)), h('td', { class: 'num' }, l.transfers_out)));
    }
    const od = $('overdue'); od.replaceChildren();
    $('overdue-count').textContent = r.overdue.length;
    if (!r.overdue.length) od.append(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, '没有超期案件')));
    for (const c of r.overdue) {
      od.append(h('tr', {}, h('td', { class: 'nowrap' }, c.reference), h('td', {}, c.category), h('td', {}, c.status_label), h('td', {}, c.owner),
        h('td', { class: 'nowrap' }, c.deadline_at), h('td', { class: 'num' }, c.overdue_hours), h('td', {}, c.summary)));
    }
    const ref = r.referrals; const rt = $('referrals'); rt.replaceChildren();
    if (!ref.available) rt.append(h('tr', {}, h('td', { class: 'empty' }, '转介模块未启用')));
    else {
      rt.append(h('tr', {}, h('th', {}, '合计'), h('td', { class: 'num' }, ref.total)));
      for (const [k, n] of Object.entries(ref.by_type)) rt.append(h('tr', {}, h('td', {}, labelOf(referralMeta.types, k)), h('td', { class: 'num' }, n)));
      for (const [k, n] of Object.entries(ref.by_status)) rt.append(h('tr', {}, h('td', { class: 'muted' }, labelOf(referralMeta.statuses, k)), h('td', { class: 'num' }, n)));
    }
    const dp = $('dispositions'); dp.replaceChildren();
    const entries = Object.entries(r.dispositions);
    if (!entries.length) dp.append(h('span', { class: 'muted' }, '暂无'));
    for (const [k, n] of entries) dp.append(h('span', { class: 'chip' }, k, h('strong', {}, n)));
  }

  async function load() {
    const q = query();
    history.replaceState(null, '', '/dashboard?' + q);
    $('export-contacts').href = '/api/admin/export/contacts.csv?' + q;
    $('export-sl').href = '/api/admin/export/service-levels.csv?' + q;
    const r = await attempt(() => api('GET', '/api/admin/report?' + q));
    if (!r) return;
    lastReport = r;
    renderKpis(r.service_levels); renderTables(r); renderCharts(r);
    $('generated').textContent = '更新于 ' + new Date(r.generated_at).toLocaleTimeString('zh-CN', { hour12: false });
    document.body.dataset.reportLoaded = String(Number(document.body.dataset.reportLoaded || 0) + 1);
  }
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); load(); });

  // -- live wall --------------------------------------------------------------------------------------
  let voice = null;
  function tile(id, label, value, alert) {
    return h('div', { class: 'tile' + (alert ? ' alert' : ''), id }, h('div', { class: 'small muted' }, label), h('div', { class: 'value' }, value));
  }
  function renderWall(s) {
    const by = s.lawyers_by_state || {};
    const tiles = [
      tile('wall-waiting', '排队人数', s.waiting_total || 0, (s.waiting_total || 0) > 0),
      tile('wall-longest', '最长等待', Math.round(s.longest_wait_s || 0) + ' 秒', (s.longest_wait_s || 0) > 20),
      tile('wall-callbacks', '待回电/留言', s.callbacks_open || 0, false),
      ...['available', 'busy', 'wrapup', 'break', 'offline'].map((k) => tile('wall-' + k, STATE_LABELS[k] + '律师', by[k] || 0, false)),
    ];
    if (voice && voice.ok && voice.data.error) {  // misconfigured (no model, unknown engine): say so
      tiles.push(tile('wall-asr', '语音识别', '故障', true));
    } else if (voice && voice.ok) {
      const v = voice.data;
      tiles.push(tile('wall-asr', '语音识别 ' + (v.engine || ''), (v.busy_workers ?? 0) + '/' + (v.workers ?? 0) + ' 忙',
        (v.queued_streams || 0) > 0),
        tile('wall-asr-streams', '转写中 / 等待', (v.active_streams ?? 0) + ' / ' + (v.queued_streams ?? 0), (v.queued_streams || 0) > 0),
        tile('wall-asr-backlog', '识别积压', num(v.backlog_seconds, 1) + ' 秒', (v.backlog_seconds || 0) > 5));
    } else {
      const label = voice === null ? '查询中…' : (voice.status === 404 ? '未启用' : '不可用');
      tiles.push(tile('wall-asr', '语音识别', label, voice !== null && voice.status !== 404));
    }
    $('wall').replaceChildren(...tiles);
    const qb = $('wall-queues'); qb.replaceChildren();
    if (!(s.queues || []).length) qb.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, '暂无排队')));
    for (const q of s.queues || []) {
      qb.append(h('tr', {}, h('td', {}, categories[q.skill] || q.skill), h('td', { class: 'num' }, q.waiting), h('td', { class: 'num' }, q.offered),
        h('td', { class: 'num' }, Math.round(q.longest_wait_s) + ' 秒')));
    }
    const lb = $('wall-lawyers'); lb.replaceChildren();
    for (const l of s.lawyers || []) {
      lb.append(h('tr', {}, h('td', {}, l.name), h('td', {}, h('span', { class: 'badge state-' + l.state }, STATE_LABELS[l.state] || l.state)),
        h('td', { class: 'num' }, l.chats), h('td', { class: 'num' }, l.calls), h('td', {}, l.on_duty ? '在班' : '—')));
    }
    $('wall-clock').textContent = '实时 · ' + new Date(s.at || Date.now()).toLocaleTimeString('zh-CN', { hour12: false });
  }
  let lastState = {};
  async function pollVoice() {
    try {
      const r = await fetch('/api/voice/status');
      voice = r.ok ? { ok: true, data: await r.json() } : { ok: false, status: r.status };
    } catch (e) { voice = { ok: false, status: 0 }; }
    renderWall(lastState);
  }
  let refreshTimer = null;
  function scheduleRefresh() {  // figures follow the floor: re-read shortly after contacts move
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(load, 2000);
  }

  async function init() {
    initFilters();
    const cats = await attempt(() => api('GET', '/api/admin/categories'));
    for (const c of cats || []) categories[c.code] = c.name;
    try { referralMeta = await api('GET', '/api/referrals/meta'); } catch (e) { referralMeta = {}; }
    await load();
    renderWall(lastState);
    pollVoice(); setInterval(pollVoice, 5000);
    Staff.staffSocket({
      onEvent: (ev) => {
        if (ev.type === 'hello') { lastState = ev.state || {}; renderWall(lastState); }
        else if (ev.type === 'state') { lastState = ev; renderWall(ev); }
        else if (['enqueued', 'accepted', 'ended', 'callback', 'rejected', 'transfer'].includes(ev.type)) scheduleRefresh();
      },
      onClose: () => { $('wall-clock').textContent = '连接断开，重连中…'; },
    });
    window.__dashboard = { get report() { return lastReport; } };
  }
  init();
})();
