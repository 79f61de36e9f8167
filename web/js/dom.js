// DOM helpers for the management UI: element builder, notices (API errors are always shown),
// formatting, clipboard.
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'value') e.value = v;
    else if (k === 'checked') e.checked = !!v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

export function notice(text, kind = 'error') {
  const box = document.getElementById('notices');
  const n = h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text,
    h('button', { class: 'close', title: 'dismiss', onclick: () => n.remove() }, '×'));
  box.append(n);
  if (kind !== 'error') setTimeout(() => n.remove(), 4000);
  return n;
}

export function showError(e) {
  notice(e && e.message ? e.message : String(e), 'error');
}

// Wraps an async UI action: errors become notices, never swallowed.
export function action(fn) {
  return async (...args) => {
    try { return await fn(...args); } catch (e) { showError(e); return undefined; }
  };
}

export function bytes(n) {
  if (!isFinite(n)) return '-';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export function bits(bps) {
  if (!isFinite(bps)) return '-';
  const u = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
  let n = bps * 8, i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

export function copyButton(getText) {
  return h('button', { class: 'copy', type: 'button', onclick: async (ev) => {
    const text = typeof getText === 'function' ? getText() : getText;
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const t = h('textarea', {}, text);
      document.body.append(t); t.select(); document.execCommand('copy'); t.remove();
    }
    ev.target.textContent = 'Copied';
    setTimeout(() => { ev.target.textContent = 'Copy'; }, 1500);
  } }, 'Copy');
}

export function field(label, input, hint) {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', {}, hint) : null);
}

export function table(headers, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, 'none'))));
}
