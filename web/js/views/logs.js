// Logs: live over the /ws WebSocket (log, access and stream-state frames), with a text filter.
import { openEvents } from '../api.js';
import { h } from '../dom.js';
import { onLeave } from '../shell.js';

const MAX_LINES = 1000;

export async function logsView() {
  const box = h('div', { class: 'logs', id: 'log-lines' });
  const state = h('span', { class: 'muted', id: 'ws-state' }, 'connecting…');
  const filter = h('input', { type: 'text', placeholder: 'filter', name: 'filter' });
  const streams = h('tbody');
  const streamRows = {};
  let follow = true;
  box.addEventListener('scroll', () => { follow = box.scrollTop + box.clientHeight >= box.scrollHeight - 4; });
  const matches = (line) => !filter.value || line.textContent.toLowerCase().includes(filter.value.toLowerCase());
  filter.addEventListener('input', () => { for (const l of box.children) l.hidden = !matches(l); });
  const addLine = (cls, text) => {
    const line = h('div', { class: cls }, text);
    line.hidden = !matches(line);
    box.append(line);
    while (box.children.length > MAX_LINES) box.firstChild.remove();
    if (follow) box.scrollTop = box.scrollHeight;
  };
  const ws = openEvents((kind, p) => {
    if (kind === 'log' && Array.isArray(p)) {
      const [time, level, msg, stream] = p;
      addLine(`log ${level}`, `${new Date(time * 1000).toLocaleTimeString()} [${level}] ${stream ? `${stream}: ` : ''}${msg}`);
    } else if (kind === 'access' && Array.isArray(p)) {
      addLine('access', `${new Date(p[0] * 1000).toLocaleTimeString()} [ACCESS] ${p[2]} ${p[3]} ${p[4]} ${p[5]} s`);
    } else if (kind === 'stream' && Array.isArray(p)) {
      const [name, status, viewers, inputs, outputs] = p;
      const row = h('tr', {}, h('td', {}, name), h('td', {}, String(status)), h('td', {}, String(viewers)),
        h('td', {}, String(inputs)), h('td', {}, String(outputs)));
      if (streamRows[name]) streamRows[name].replaceWith(row); else streams.append(row);
      streamRows[name] = row;
    }
  }, (st) => {
    state.textContent = { open: 'live', closed: 'disconnected', error: 'connection error', unauthorized: 'not authorized' }[st] || st;
  });
  onLeave(() => ws.close());
  return h('div', {}, h('div', { class: 'row' }, h('h1', {}, 'Logs'), state, filter,
    h('button', { class: 'secondary', onclick: () => box.replaceChildren() }, 'Clear')),
  box,
  h('div', { class: 'card' }, h('h2', {}, 'Stream states (live)'), h('table', {},
    h('thead', {}, h('tr', {}, ['Stream', 'Status', 'Viewers', 'Inputs', 'Outputs'].map((x) => h('th', {}, x)))), streams)));
}
