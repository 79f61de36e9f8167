// Protocols and ports (connectors from capabilities, config.protocols, the player's HTTP base),
// custom variables, and config save / backup / restore.
import { call } from '../api.js';
import { h, action, notice, field } from '../dom.js';
import { every, httpBase, setHttpBase } from '../shell.js';

export async function protocolsView() {
  const a = await call({ capabilities: true, config: true });
  const con = (a.capabilities && a.capabilities.connectors) || {};
  const protocols = (a.config && a.config.protocols) || [];
  const base = h('input', { type: 'text', name: 'http-base', value: httpBase() });
  const json = h('textarea', { name: 'protocols' }, JSON.stringify(protocols, null, 2));
  return h('div', {}, h('h1', {}, 'Protocols and ports'),
    h('form', { class: 'card', onsubmit: (ev) => {
      ev.preventDefault();
      setHttpBase(base.value.trim());
      notice('Player address saved in this browser', 'info');
    } }, h('h2', {}, 'HTTP output address'),
    field('Base URL of the HTTP port', base, 'Used for previews, playback URLs and embed code in this UI (e.g. http://host:8080/).'),
    h('button', { type: 'submit' }, 'Save')),
    h('div', { class: 'card' }, h('h2', {}, 'Outputs'), h('table', {},
      h('thead', {}, h('tr', {}, ['Name', 'Description', 'URL', 'Type', 'Priority'].map((x) => h('th', {}, x)))),
      h('tbody', {}, Object.values(con).map((c) => h('tr', {}, h('td', {}, c.name), h('td', {}, c.friendly || c.desc),
        h('td', {}, h('code', {}, c.url_match)), h('td', {}, c.type), h('td', {}, String(c.priority))))))),
    h('form', { class: 'card', onsubmit: action(async (ev) => {
      ev.preventDefault();
      await call({ config: { protocols: JSON.parse(json.value) } });
      notice('Protocols saved', 'info');
    }) }, h('h2', {}, 'Configured protocols (config.protocols)'),
    field('Protocol list (JSON array of {connector, port, …})', json),
    h('button', { type: 'submit' }, 'Save protocols')));
}

export async function variablesView() {
  const body = h('tbody');
  const refresh = async () => {
    const a = await call({ variable_list: true });
    const vars = a.variable_list || {};
    const rows = Object.entries(vars).map(([name, v]) => h('tr', {},
      h('td', {}, `$${name}`), h('td', {}, v.value != null ? String(v.value) : ''),
      h('td', {}, h('code', {}, v.target || '')), h('td', {}, v.interval ? `${v.interval} s` : ''),
      h('td', {}, h('button', { class: 'danger', onclick: action(async () => {
        await call({ variable_remove: name });
        await refresh();
      }) }, 'Remove'))));
    body.replaceChildren(...rows);
    if (!rows.length) body.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'no custom variables')));
  };
  every(10000, refresh);
  const name = h('input', { type: 'text', name: 'var-name', required: true, maxlength: 31 });
  const value = h('input', { type: 'text', name: 'var-value' });
  const target = h('input', { type: 'text', name: 'var-target', placeholder: 'optional: URL or command giving the value' });
  const interval = h('input', { type: 'number', name: 'var-interval', min: 0, value: 0 });
  return h('div', {}, h('h1', {}, 'Custom variables'),
    h('div', { class: 'card' }, h('table', {}, h('thead', {}, h('tr', {},
      ['Name', 'Value', 'Target', 'Interval', ''].map((x) => h('th', {}, x)))), body)),
    h('form', { class: 'card', onsubmit: action(async (ev) => {
      ev.preventDefault();
      const v = { name: name.value.trim().replace(/^\$/, ''), value: value.value };
      if (target.value.trim()) { v.target = target.value.trim(); v.interval = Number(interval.value) || 0; }
      await call({ variable_add: v });
      notice('Variable saved', 'info');
      await refresh();
    }) }, h('h2', {}, 'Add a variable'),
    h('div', { class: 'grid2' }, field('Name', name, 'Used as $name in sources and push targets'), field('Value', value),
      field('Target', target), field('Refresh interval (s)', interval)),
    h('button', { type: 'submit' }, 'Add variable')));
}

export async function configView() {
  const file = h('input', { type: 'file', name: 'restore', accept: 'application/json,.json' });
  return h('div', {}, h('h1', {}, 'Configuration'),
    h('div', { class: 'card' }, h('h2', {}, 'Save'),
      h('p', { class: 'muted' }, 'Writes the running configuration to the config file now.'),
      h('button', { id: 'save-config', onclick: action(async () => {
        await call({ save: true });
        notice('Configuration saved', 'info');
      }) }, 'Save configuration')),
    h('div', { class: 'card' }, h('h2', {}, 'Backup'),
      h('button', { id: 'backup-config', onclick: action(async () => {
        const a = await call({ config_backup: true });
        const blob = new Blob([JSON.stringify(a.config_backup, null, 2)], { type: 'application/json' });
        const link = h('a', { href: URL.createObjectURL(blob), download: `haze-config-${new Date().toISOString().slice(0, 10)}.json` });
        document.body.append(link); link.click(); link.remove();
      }) }, 'Download backup')),
    h('div', { class: 'card' }, h('h2', {}, 'Restore'),
      h('p', { class: 'muted' }, 'Replaces the whole configuration (streams, triggers, accounts…) with a backup file.'),
      h('div', { class: 'row' }, file, h('button', { class: 'danger', onclick: action(async () => {
        if (!file.files.length) throw new Error('choose a backup file first');
        const cfg = JSON.parse(await file.files[0].text());
        if (!confirm('Replace the running configuration with this backup?')) return;
        await call({ config_restore: cfg });
        notice('Configuration restored', 'info');
      }) }, 'Restore'))));
}
