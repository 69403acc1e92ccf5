// Roster page: lawyers needed (Erlang C from the log) against rostered per weekday × half hour,
// as a heat map (cell: rostered/needed; red where short), and the CSV export of the same.
(function () {
  'use strict';
  const { h, api, attempt } = window.Staff;
  const $ = (id) => document.getElementById(id);

  function query() {
    const p = new URLSearchParams({
      weeks: $('st-weeks').value, level: String(Number($('st-level').value) / 100),
      answer_s: $('st-answer').value, shrinkage: String(Number($('st-shrinkage').value) / 100),
      max_abandon: String(Number($('st-abandon').value) / 100),
    });
    return p.toString();
  }

  function render(d) {
    const table = $('staffing-heatmap'); table.replaceChildren();
    const head = h('tr', {}, h('th', {}, '星期'), d.slots.map((s, i) => h('th', { class: 'slot' }, i % 2 ? '' : s)));
    table.append(h('thead', {}, head));
    const body = h('tbody');
    d.weekdays.forEach((day, w) => {
      body.append(h('tr', {}, h('th', {}, day), d.slots.map((slot, s) => {
        const need = d.required[w][s], have = d.rostered[w][s];
        const cls = have < need ? 'gap' : (need > 0 ? 'met' : (have > 0 ? 'spare' : 'idle'));
        return h('td', { class: 'cell ' + cls, title: day + ' ' + slot + '：需要 ' + need + '，已排 ' + have,
          dataset: { need: need, have: have, day: w, slot: s } }, need || have ? have + '/' + need : '');
      })));
    });
    table.append(body);
    const aht = Object.entries(d.aht).map(([ch, a]) => (ch === 'call' ? '电话' : '在线') + ' AHT ' + Math.round(a.aht_s) + ' 秒' + (a.measured ? '' : '（默认）')
      + (a.patience_s ? '，平均耐心 ' + Math.round(a.patience_s) + ' 秒' : '，尚无放弃记录'));
    $('staffing-note').textContent = '缺口时段 ' + d.short_slots + ' 个；' + aht.join('，');
    document.body.dataset.staffingLoaded = String(Number(document.body.dataset.staffingLoaded || 0) + 1);
  }

  async function load() {
    const q = query();
    $('st-csv').href = '/api/admin/staffing.csv?' + q;
    const d = await attempt(() => api('GET', '/api/admin/staffing?' + q));
    if (d) render(d);
  }

  $('staffing-form').addEventListener('submit', (e) => { e.preventDefault(); load(); });
  load();
})();
