// Streams: list, add/edit form (source templates, wildcard hint, DVR and other options), delete,
// and the detail page (tracks, viewers by protocol, playback URLs, embed code, live preview).
import { call } from '../api.js';
import { h, action, notice, copyButton, field, bytes } from '../dom.js';
import { every, httpBase, onLeave } from '../shell.js';

const STATUS = { 0: 'error', 1: 'active', 2: 'inactive' };

const TEMPLATES = [
  ['', 'Choose a template…'],
  ['push://', 'Live push (RTMP / SRT / RTSP / WHIP publish)'],
  ['push://127.0.0.1', 'Live push, only from this address'],
  ['videogen', 'Test pattern (videogen)'],
  ['rtmp://host/app/stream', 'Pull RTMP'],
  ['rtsp://host:554/path', 'Pull RTSP'],
  ['srt://host:9000', 'Pull SRT'],
  ['tsudp://0.0.0.0:5000', 'MPEG-TS over UDP'],
  ['http://host/stream.ts', 'Pull HTTP (TS / FLV / HLS)'],
  ['/path/to/file.mp4', 'VoD file'],
  ['ts-exec:ffmpeg -re -i INPUT -f mpegts -', 'MPEG-TS from a command (ts-exec:)'],
];

export async function streamsView() {
  const body = h('tbody');
  const refresh = async () => {
    const a = await call({ streams: true });
    const streams = a.streams || {};
    const names = Object.keys(streams).sort();
    body.replaceChildren(...names.map((n) => {
      const s = streams[n];
      return h('tr', { 'data-stream': n },
        h('td', {}, h('a', { href: `#stream/${encodeURIComponent(n)}` }, n)),
        h('td', {}, h('code', {}, s.source || '')),
        h('td', { class: `status-${s.online}` }, STATUS[s.online] || String(s.online), s.error ? ` (${s.error})` : ''),
        h('td', { class: 'row' },
          h('a', { class: 'button', href: `#edit/${encodeURIComponent(n)}` }, 'Edit'),
          h('button', { class: 'danger', onclick: action(async () => {
            if (!confirm(`Delete stream ${n}?`)) return;
            await call({ deletestream: [n] });
            notice(`Stream ${n} deleted`, 'info');
            await refresh();
          }) }, 'Delete')));
    }));
    if (!names.length) body.replaceChildren(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'no streams configured')));
  };
  every(5000, refresh);
  return h('div', {},
    h('div', { class: 'row' }, h('h1', {}, 'Streams'), h('a', { class: 'button', href: '#edit', id: 'add-stream' }, 'Add stream')),
    h('div', { class: 'card' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Name', 'Source', 'Status', ''].map((x) => h('th', {}, x)))), body)));
}

const KNOWN = ['source', 'DVR', 'always_on', 'maxkeepaway', 'inputtimeout', 'fallback_stream', 'name', 'online', 'error'];

export async function streamEditView([name]) {
  let cfg = {};
  if (name) {
    const a = await call({ streams: true });
    cfg = (a.streams || {})[name];
    if (!cfg) throw new Error(`stream ${name} does not exist`);
  }
  const extra = Object.fromEntries(Object.entries(cfg).filter(([k]) => !KNOWN.includes(k)));
  const inName = h('input', { type: 'text', name: 'name', value: name || '', required: true, pattern: '[A-Za-z0-9_\\-.]+' });
  const inSource = h('input', { type: 'text', name: 'source', value: cfg.source || '', required: true });
  const tpl = h('select', { name: 'template', onchange: () => { if (tpl.value) inSource.value = tpl.value; } },
    TEMPLATES.map(([v, t]) => h('option', { value: v }, t)));
  const inDvr = h('input', { type: 'number', name: 'DVR', min: 0, value: cfg.DVR != null ? cfg.DVR : '' });
  const inAlways = h('input', { type: 'checkbox', name: 'always_on', checked: !!cfg.always_on });
  const inKeep = h('input', { type: 'number', name: 'maxkeepaway', min: 0, value: cfg.maxkeepaway != null ? cfg.maxkeepaway : '' });
  const inTimeout = h('input', { type: 'number', name: 'inputtimeout', min: 0, value: cfg.inputtimeout != null ? cfg.inputtimeout : '' });
  const inFallback = h('input', { type: 'text', name: 'fallback_stream', value: cfg.fallback_stream || '' });
  const inExtra = h('textarea', { name: 'extra' }, Object.keys(extra).length ? JSON.stringify(extra, null, 2) : '');
  const form = h('form', { class: 'card', id: 'stream-form', onsubmit: action(async (ev) => {
    ev.preventDefault();
    const out = inExtra.value.trim() ? JSON.parse(inExtra.value) : {};
    out.source = inSource.value.trim();
    if (inDvr.value !== '') out.DVR = Number(inDvr.value);
    if (inAlways.checked) out.always_on = true;
    if (inKeep.value !== '') out.maxkeepaway = Number(inKeep.value);
    if (inTimeout.value !== '') out.inputtimeout = Number(inTimeout.value);
    if (inFallback.value.trim()) out.fallback_stream = inFallback.value.trim();
    const newName = inName.value.trim();
    const a = await call({ addstream: { [newName]: out } });
    const r = a.addstream && a.addstream[newName];
    if (r && r.error) throw new Error(`${newName}: ${r.error}`);
    if (name && name !== newName) await call({ deletestream: [name] });
    notice(`Stream ${newName} saved`, 'info');
    location.hash = `#stream/${encodeURIComponent(newName)}`;
  }) },
  field('Stream name', inName, 'Letters, digits, _ - . only. A wildcard child is played as name+child (e.g. live+cam1).'),
  field('Source', h('div', { class: 'row' }, inSource, tpl),
    'push:// accepts publishers; for a wildcard source (e.g. a folder or push://) viewers can ask for name+anything.'),
  h('div', { class: 'grid2' },
    field('DVR window (ms)', inDvr, 'Live buffer kept for seeking; empty = default.'),
    field('Max keep-away (ms)', inKeep, 'How far behind live a viewer may fall.'),
    field('Input timeout (s)', inTimeout, 'Stop the input after this long without viewers.'),
    field('Fallback stream', inFallback, 'Played when this one cannot be opened.')),
  h('label', { class: 'row' }, inAlways, 'Always on (keep the input running without viewers)'),
  field('Other options (JSON object)', inExtra),
  h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Save'),
    h('a', { class: 'button secondary', href: '#streams' }, 'Cancel')));
  return h('div', {}, h('h1', {}, name ? `Edit ${name}` : 'Add stream'), form);
}

function embedCode(name, base) {
  const id = `${name.replace(/[^A-Za-z0-9_-]/g, '_')}_${Math.random().toString(36).slice(2, 8)}`;
  const js = JSON.stringify(name);
  return `<div class="mistvideo" id="${id}">
  <noscript><a href="${base}${encodeURIComponent(name)}.html" target="_blank">Click here to play this video</a></noscript>
  <script>
    var a = function () { mistPlay(${js}, {target: document.getElementById(${JSON.stringify(id)})}); };
    if (!window.mistPlay) {
      var p = document.createElement("script");
      p.src = ${JSON.stringify(base + 'player.js')};
      document.head.appendChild(p);
      p.onload = a;
    } else { a(); }
  </script>
</div>`;
}

function loadPlayerJs(base) {
  if (window.mistPlay) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = `${base}player.js`;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${s.src} (is the HTTP port right? see Protocols)`));
    document.head.append(s);
  });
}

export async function streamDetailView([name]) {
  const base = httpBase();
  const a = await call({ streams: true });
  const cfg = (a.streams || {})[name.split('+')[0]];
  if (!cfg) throw new Error(`stream ${name} does not exist`);
  const urls = h('tbody');
  const tracks = h('tbody');
  const protos = h('tbody');
  const info = h('p', { class: 'muted' }, 'Waiting for stream info…');
  const preview = h('div', { class: 'preview', id: 'preview' });
  let player = null;
  onLeave(() => { if (player) player.unload(); });

  const loadInfo = async () => {
    let r;
    try { r = await fetch(`${base}json_${encodeURIComponent(name)}.js`); } catch (e) {
      throw new Error(`cannot reach the HTTP port at ${base}: ${e.message}`);
    }
    const j = await r.json();
    if (j.error) { info.textContent = `Stream info: ${j.error}`; return false; }
    info.textContent = `${j.type}${j.width ? `, ${j.width}x${j.height}` : ''}`;
    urls.replaceChildren(...(j.source || []).map((s) => h('tr', {},
      h('td', {}, s.hrn || s.type), h('td', { class: 'url' }, h('code', {}, s.url)), h('td', {}, copyButton(s.url)))));
    const t = (j.meta && j.meta.tracks) || {};
    tracks.replaceChildren(...Object.entries(t).map(([id, tr]) => h('tr', {},
      h('td', {}, id), h('td', {}, tr.type), h('td', {}, tr.codec),
      h('td', {}, tr.type === 'video' ? `${tr.width}x${tr.height} ${(tr.fpks || 0) / 1000} fps`
        : tr.type === 'audio' ? `${tr.channels} ch ${tr.rate} Hz` : ''),
      h('td', {}, `${Math.round((tr.bps || 0) * 8 / 1000)} kbit/s`))));
    return true;
  };
  const loadViewers = async () => {
    const c = await call({ clients: { streams: [name], fields: ['protocol', 'down'], time: -2 } });
    const by = {};
    for (const row of (c.clients && c.clients.data) || []) {
      const p = row[0] || '?';
      by[p] = by[p] || { n: 0, down: 0 };
      by[p].n++; by[p].down += row[1] || 0;
    }
    protos.replaceChildren(...Object.entries(by).map(([p, v]) => h('tr', {}, h('td', {}, p), h('td', {}, String(v.n)), h('td', {}, bytes(v.down)))));
    if (!Object.keys(by).length) protos.replaceChildren(h('tr', {}, h('td', { colspan: 3, class: 'empty' }, 'no viewers')));
  };
  const startPreview = action(async () => {
    if (player) player.unload();
    await loadPlayerJs(base);
    player = window.mistPlay(name, { target: preview, host: base });
  });
  loadInfo().then(startPreview, (e) => { info.textContent = e.message; });
  every(5000, async () => {
    await loadViewers();
    if (player) await loadInfo();  // tracks appear as the input finds them
  });
  const code = embedCode(name, base);
  return h('div', {},
    h('div', { class: 'row' }, h('h1', {}, `Stream ${name}`),
      h('a', { class: 'button secondary', href: `#edit/${encodeURIComponent(name.split('+')[0])}` }, 'Edit')),
    h('div', { class: 'card' }, h('p', {}, 'Source: ', h('code', {}, cfg.source)), info),
    h('div', { class: 'card' }, h('h2', {}, 'Live preview'), preview,
      h('div', { class: 'row' }, h('button', { class: 'secondary', onclick: startPreview }, 'Reload preview'))),
    h('div', { class: 'card' }, h('h2', {}, 'Tracks'), h('table', {},
      h('thead', {}, h('tr', {}, ['Track', 'Type', 'Codec', 'Format', 'Bitrate'].map((x) => h('th', {}, x)))), tracks)),
    h('div', { class: 'card' }, h('h2', {}, 'Viewers by protocol'), h('table', {},
      h('thead', {}, h('tr', {}, ['Protocol', 'Viewers', 'Sent'].map((x) => h('th', {}, x)))), protos)),
    h('div', { class: 'card' }, h('h2', {}, 'Playback URLs'), h('table', { id: 'urls' },
      h('thead', {}, h('tr', {}, ['Type', 'URL', ''].map((x) => h('th', {}, x)))), urls)),
    h('div', { class: 'card' }, h('h2', {}, 'Embed code'), h('pre', { class: 'embed' }, code), copyButton(code)));
}
