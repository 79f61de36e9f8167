// Pushes: running pushes (status, last log lines, stop), start a push now, automatic and
// scheduled pushes (push_auto_add / push_auto_remove / push_auto_list).
import { call } from '../api.js';
import { h, action, notice, field, bytes } from '../dom.js';
import { every } from '../shell.js';

const OPS = [[0, '(no rule)'], [1, 'is set'], [2, 'is not set'], [10, '=='], [11, '!='], [12, '>'],
  [13, '>='], [14, '<'], [15, '<='], [20, '== (text)'], [21, '!= (text)']];

function fmtTime(unix) {
  return unix ? new Date(unix * 1000).toLocaleString() : '-';
}

function statusText(st) {
  if (!st || typeof st !== 'object') return '';
  const parts = [];
  if (st.active_seconds != null) parts.push(`${st.active_seconds} s`);
  if (st.bytes != null) parts.push(bytes(st.bytes));
  if (st.mediatime != null) parts.push(`media ${(st.mediatime / 1000).toFixed(1)} s`);
  if (st.latency != null) parts.push(`latency ${st.latency} ms`);
  return parts.join(', ');
}

export async function pushesView() {
  const running = h('tbody');
  const autos = h('tbody');
  const refresh = async () => {
    const a = await call({ push_list: true, push_auto_list: true });
    const list = a.push_list || [];
    running.replaceChildren(...list.map((p) => h('tr', { 'data-push': String(p[0]) },
      h('td', {}, String(p[0])), h('td', {}, p[1]), h('td', {}, h('code', {}, p[3] || p[2])),
      h('td', {}, statusText(p[5])),
      h('td', {}, h('div', { class: 'logs' }, ...(p[4] || []).slice(-5).map((l) => h('div', {}, Array.isArray(l) ? l.join(' ') : String(l))))),
      h('td', {}, h('button', { class: 'danger', onclick: action(async () => {
        await call({ push_stop: [p[0]] });
        notice(`Push ${p[0]} stopped`, 'info');
        await refresh();
      }) }, 'Stop')))));
    if (!list.length) running.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'no running pushes')));
    const al = a.push_auto_list || [];
    autos.replaceChildren(...al.map((r) => h('tr', { 'data-auto': `${r[0]} ${r[1]}` },
      h('td', {}, r[0]), h('td', {}, h('code', {}, r[1])), h('td', {}, fmtTime(r[2])), h('td', {}, fmtTime(r[3])),
      h('td', {}, r[4] ? `${r[4]} ${(OPS.find((o) => o[0] === r[5]) || [0, r[5]])[1]} ${r[6]}` : ''),
      h('td', {}, h('button', { class: 'danger', onclick: action(async () => {
        await call({ push_auto_remove: { stream: r[0], target: r[1] } });
        notice('Automatic push removed', 'info');
        await refresh();
      }) }, 'Remove')))));
    if (!al.length) autos.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'no automatic pushes')));
  };
  every(3000, refresh);

  const startStream = h('input', { type: 'text', name: 'push-stream', placeholder: 'stream (or base+ / #tag)', required: true });
  const startTarget = h('input', { type: 'text', name: 'push-target', placeholder: 'rtmp://host/app/key, /path/rec_$datetime.mkv …', required: true });
  const startForm = h('form', { class: 'card', id: 'push-start', onsubmit: action(async (ev) => {
    ev.preventDefault();
    await call({ push_start: { stream: startStream.value.trim(), target: startTarget.value.trim() } });
    notice('Push started', 'info');
    await refresh();
  }) }, h('h2', {}, 'Start a push now'), h('div', { class: 'grid2' }, field('Stream', startStream), field('Target', startTarget)),
  h('button', { type: 'submit' }, 'Start push'));

  const aStream = h('input', { type: 'text', name: 'auto-stream', required: true });
  const aTarget = h('input', { type: 'text', name: 'auto-target', required: true });
  const aSched = h('input', { type: 'datetime-local', name: 'auto-start' });
  const aDone = h('input', { type: 'datetime-local', name: 'auto-end' });
  const aVar = h('input', { type: 'text', name: 'auto-var', placeholder: '$variable' });
  const aOp = h('select', { name: 'auto-op' }, OPS.map(([v, t]) => h('option', { value: v }, t)));
  const aVal = h('input', { type: 'text', name: 'auto-val' });
  const unix = (inp) => (inp.value ? Math.floor(new Date(inp.value).getTime() / 1000) : undefined);
  const autoForm = h('form', { class: 'card', id: 'push-auto', onsubmit: action(async (ev) => {
    ev.preventDefault();
    const spec = { stream: aStream.value.trim(), target: aTarget.value.trim() };
    if (unix(aSched)) spec.scheduletime = unix(aSched);
    if (unix(aDone)) spec.completetime = unix(aDone);
    if (aVar.value.trim() && Number(aOp.value)) {
      spec.start_rule = [aVar.value.trim(), Number(aOp.value), aVal.value];
    }
    await call({ push_auto_add: spec });
    notice('Automatic push added', 'info');
    await refresh();
  }) }, h('h2', {}, 'Add an automatic or scheduled push'),
  h('p', { class: 'muted' }, 'Starts whenever the stream becomes active (a wildcard base matches its children), optionally only between the start and end times and while the variable rule holds.'),
  h('div', { class: 'grid2' }, field('Stream', aStream), field('Target', aTarget),
    field('Start at (optional)', aSched), field('End at (optional)', aDone)),
  h('div', { class: 'row' }, aVar, aOp, aVal),
  h('p', {}, h('button', { type: 'submit' }, 'Add automatic push')));

  return h('div', {}, h('h1', {}, 'Pushes'),
    h('div', { class: 'card' }, h('h2', {}, 'Running'), h('table', { id: 'push-list' },
      h('thead', {}, h('tr', {}, ['Id', 'Stream', 'Target', 'Status', 'Last log lines', ''].map((x) => h('th', {}, x)))), running)),
    startForm,
    h('div', { class: 'card' }, h('h2', {}, 'Automatic and scheduled'), h('table', { id: 'auto-list' },
      h('thead', {}, h('tr', {}, ['Stream', 'Target', 'Start', 'End', 'Rule', ''].map((x) => h('th', {}, x)))), autos)),
    autoForm);
}
