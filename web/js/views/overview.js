// Overview: streams online, viewers, bandwidth, CPU load and memory, with live charts fed by
// `totals`, `active_streams` and `capabilities` every 2 s.
import { call } from '../api.js';
import { h, bits, bytes } from '../dom.js';
import { every } from '../shell.js';

const HISTORY = 150;
const LEFT = 84;  // room for the y labels

// A small line chart on a canvas: series = [{name, color, values[]}], y starts at 0.
export function drawChart(canvas, series, format, minMax = 1) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600, hgt = canvas.clientHeight || 160;
  canvas.width = w * dpr; canvas.height = hgt * dpr;
  const g = canvas.getContext('2d');
  g.scale(dpr, dpr);
  g.clearRect(0, 0, w, hgt);
  const max = Math.max(minMax, ...series.flatMap((s) => s.values));
  g.strokeStyle = '#e5e7eb'; g.fillStyle = '#6b7280'; g.font = '11px sans-serif';
  for (let i = 0; i <= 4; i++) {
    const y = 8 + (hgt - 24) * i / 4;
    g.beginPath(); g.moveTo(LEFT, y); g.lineTo(w, y); g.stroke();
    g.fillText(format(max * (4 - i) / 4), 0, y + 4);
  }
  series.forEach((s, k) => {
    g.strokeStyle = s.color; g.lineWidth = 2; g.beginPath();
    s.values.forEach((v, i) => {
      // Newest sample at the right edge; the chart fills up leftwards.
      const x = w - (w - LEFT) * (s.values.length - 1 - i) / (HISTORY - 1);
      const y = 8 + (hgt - 24) * (1 - v / max);
      if (i) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
    g.fillStyle = s.color; g.fillText(s.name, LEFT + 10 + k * 110, hgt - 2);
  });
}

function tile(key) {
  const v = h('div', { class: 'v', 'data-tile': key }, '-');
  return [h('div', { class: 'tile' }, h('div', { class: 'k' }, key), v), v];
}

export async function overviewView() {
  const [tOnline, vOnline] = tile('Streams online');
  const [tViewers, vViewers] = tile('Viewers');
  const [tDown, vDown] = tile('Bandwidth out');
  const [tUp, vUp] = tile('Bandwidth in');
  const [tCpu, vCpu] = tile('CPU load');
  const [tMem, vMem] = tile('Memory used');
  const viewersChart = h('canvas', { class: 'chart', id: 'chart-viewers' });
  const bwChart = h('canvas', { class: 'chart', id: 'chart-bandwidth' });
  const sysChart = h('canvas', { class: 'chart', id: 'chart-system' });
  const list = h('tbody');
  const hist = { viewers: [], down: [], up: [], cpu: [], mem: [] };
  const push = (k, v) => { hist[k].push(v); if (hist[k].length > HISTORY) hist[k].shift(); };

  every(2000, async () => {
    const a = await call({
      active_streams: { fields: ['status', 'viewers', 'inputs', 'outputs', 'downbytes', 'upbytes'] },
      totals: { fields: ['clients', 'downbps', 'upbps'] },
      capabilities: true,
    });
    const streams = a.active_streams || {};
    const names = Object.keys(streams);
    const online = names.filter((n) => streams[n][0] === 'Online').length;
    const rows = (a.totals && a.totals.data) || [];
    const last = rows.length ? rows[rows.length - 1] : [0, 0, 0];
    const viewers = names.reduce((s, n) => s + (streams[n][1] || 0), 0);
    const cap = a.capabilities || {};
    const cores = (cap.cpu || []).reduce((s, c) => s + (c.threads || 1), 0) || 1;
    const cpu = cap.load ? Math.min(100, cap.load.one / cores) : 0;
    const mem = cap.mem && cap.mem.total ? 100 * cap.mem.used / cap.mem.total : 0;
    vOnline.textContent = `${online} / ${names.length}`;
    vViewers.textContent = String(viewers);
    vDown.textContent = bits(last[1]);
    vUp.textContent = bits(last[2]);
    vCpu.textContent = `${cpu.toFixed(0)} %`;
    vMem.textContent = cap.mem ? `${mem.toFixed(0)} % of ${bytes(cap.mem.total * 1048576)}` : '-';
    if (!hist.down.length && rows.length > 1) {
      // Seed the bandwidth chart with the server's per-second history.
      for (const r of rows.slice(-HISTORY, -1)) { push('down', r[1] || 0); push('up', r[2] || 0); }
    }
    push('viewers', viewers); push('down', last[1] || 0); push('up', last[2] || 0);
    push('cpu', cpu); push('mem', mem);
    drawChart(viewersChart, [{ name: 'viewers', color: '#2a6df4', values: hist.viewers }], (v) => v.toFixed(0), 4);
    drawChart(bwChart, [{ name: 'out', color: '#2e7d32', values: hist.down },
                        { name: 'in', color: '#f59e0b', values: hist.up }], bits);
    drawChart(sysChart, [{ name: 'cpu %', color: '#c62828', values: hist.cpu },
                         { name: 'mem %', color: '#7c3aed', values: hist.mem }], (v) => v.toFixed(0), 100);
    list.replaceChildren(...names.map((n) => h('tr', {},
      h('td', {}, h('a', { href: `#stream/${encodeURIComponent(n)}` }, n)),
      h('td', {}, streams[n][0]), h('td', {}, String(streams[n][1] || 0)),
      h('td', {}, String(streams[n][2] || 0)), h('td', {}, String(streams[n][3] || 0)),
      h('td', {}, bytes(streams[n][4] || 0)))));
    if (!names.length) list.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'no active streams')));
  });

  return h('div', {},
    h('h1', {}, 'Overview'),
    h('div', { class: 'tiles' }, tOnline, tViewers, tDown, tUp, tCpu, tMem),
    h('div', { class: 'grid2' },
      h('div', { class: 'card' }, h('h2', {}, 'Viewers'), viewersChart),
      h('div', { class: 'card' }, h('h2', {}, 'Bandwidth'), bwChart)),
    h('div', { class: 'card' }, h('h2', {}, 'CPU and memory'), sysChart),
    h('div', { class: 'card' }, h('h2', {}, 'Active streams'),
      h('table', {}, h('thead', {}, h('tr', {}, ['Stream', 'Status', 'Viewers', 'Inputs', 'Outputs', 'Sent']
        .map((x) => h('th', {}, x)))), list)));
}
