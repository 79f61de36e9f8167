// Triggers: edit config.triggers ({NAME: [{handler, sync, streams[], params, default}]}) with the
// list of trigger names, when each fires and what its payload lines are.
import { call } from '../api.js';
import { h, action, notice, field } from '../dom.js';

// [name, when it fires, payload lines, what a blocking (sync) response does]
export const TRIGGERS = [
  ['SYSTEM_START', 'after the server booted', 'version', 'false: shut down'],
  ['SYSTEM_STOP', 'before shutting down', 'exit reason', 'false: abort the shutdown'],
  ['OUTPUT_START', 'before a protocol listener starts', 'connector config (JSON)', 'ignored'],
  ['OUTPUT_STOP', 'when a listener stopped', 'connector config (JSON)', 'ignored'],
  ['STREAM_ADD', 'a stream is added through the API', 'stream; config (JSON)', 'false: not added'],
  ['STREAM_CONFIG', 'a stream config changes', 'stream; new config (JSON)', 'false: change rejected'],
  ['STREAM_REMOVE', 'a stream is deleted', 'stream', 'false: kept'],
  ['STREAM_SOURCE', 'the source is resolved before the input starts', 'stream', 'non-empty: replaces the source'],
  ['STREAM_LOAD', 'before an input starts', 'stream', 'false: not loaded'],
  ['STREAM_READY', 'the input finished loading', 'stream; input type', 'false: input shuts down'],
  ['STREAM_UNLOAD', 'before the input unloads', 'stream; input type; (un)cancelable + reason', 'false: keep running (if cancelable)'],
  ['STREAM_PUSH', 'before an incoming push is accepted', 'stream; client IP; connector; request URL', 'false: rejected'],
  ['PUSH_REWRITE', 'any incoming push', 'push URL; client IP; stream name', 'new stream name; empty: denied'],
  ['RTMP_PUSH_REWRITE', 'an RTMP publish, before PUSH_REWRITE', 'RTMP URL; client IP', 'new URL; empty: denied'],
  ['LIVE_TRACK_LIST', 'the valid track set changes', 'stream; track list (JSON)', 'ignored'],
  ['STREAM_BUFFER', 'the buffer state changes', 'stream; FULL/DRY/RECOVER + health JSON, or EMPTY', 'ignored'],
  ['LIVE_BANDWIDTH', 'the stream bitrate passes the parameter', 'stream; bytes per second', 'false: buffer shuts down'],
  ['STREAM_END', 'a stream leaves the statistics', 'stream; down bytes; up bytes; viewers; inputs; outputs; viewer-seconds', 'ignored'],
  ['INPUT_ABORT', 'an input exits with an error', 'stream; source; binary; pid; reason code; reason text', 'ignored'],
  ['DEFAULT_STREAM', 'a stream cannot be opened', 'default stream setting; requested name; viewer host; output type; URL', 'fallback stream name'],
  ['PLAY_REWRITE', 'before a viewer connects', 'stream; client IP; connector; request URL', 'stream name to play; empty: rejected'],
  ['CONN_OPEN', 'a connection is accepted', 'stream; client IP; connector; request URL', 'false: closed'],
  ['CONN_PLAY', 'before the first playback', 'stream; client IP; connector; request URL', 'false: rejected'],
  ['CONN_CLOSE', 'a connection closed', 'stream; client IP; connector; request URL', 'ignored'],
  ['USER_NEW', 'a new viewer session', 'stream; client IP; token; connector; URL; session id; JWT valid', 'false: denied'],
  ['USER_END', 'a viewer session ends', 'token; streams; connectors; hosts; duration; up; down; tags; …', 'ignored'],
  ['PUSH_OUT_START', 'before a push out or recording starts', 'stream; target', 'new target; empty: aborted'],
  ['PUSH_END', 'any push stops', 'push id; stream; target; target used; last logs (JSON); status (JSON)', 'ignored'],
  ['RECORDING_END', 'a push to a file finished', 'stream; target; type; bytes; seconds; start; stop; media ms; first ms; last ms; reason code; reason', 'ignored'],
  ['OUTPUT_END', 'an output with a target ends', 'same lines as RECORDING_END', 'ignored'],
];

export async function triggersView() {
  const a = await call({ config: true });
  let triggers = JSON.parse(JSON.stringify((a.config && a.config.triggers) || {}));
  const body = h('tbody');
  const save = async () => {
    await call({ config: { triggers } });
    notice('Triggers saved', 'info');
    render();
  };
  const inName = h('select', { name: 'trigger' }, TRIGGERS.map((t) => h('option', { value: t[0] }, t[0])));
  const desc = h('p', { class: 'muted' });
  const inHandler = h('input', { type: 'text', name: 'handler', required: true, placeholder: 'http://host/hook or /path/to/script' });
  const inSync = h('input', { type: 'checkbox', name: 'sync' });
  const inStreams = h('input', { type: 'text', name: 'streams', placeholder: 'all streams' });
  const inParams = h('input', { type: 'text', name: 'params' });
  const inDefault = h('input', { type: 'text', name: 'default', placeholder: 'true' });
  let editing = null;
  const describe = () => {
    const t = TRIGGERS.find((x) => x[0] === inName.value);
    desc.textContent = t ? `Fires when ${t[1]}. Payload: ${t[2]}. Blocking response: ${t[3]}.` : '';
  };
  inName.addEventListener('change', describe);
  describe();
  const submit = h('button', { type: 'submit' }, 'Add trigger');
  const form = h('form', { class: 'card', id: 'trigger-form', onsubmit: action(async (ev) => {
    ev.preventDefault();
    const entry = { handler: inHandler.value.trim(), sync: inSync.checked,
      streams: inStreams.value.split(/[\s,]+/).filter(Boolean) };
    if (inParams.value) entry.params = inParams.value;
    if (inDefault.value) entry.default = inDefault.value;
    if (editing) triggers[editing[0]].splice(editing[1], 1);
    (triggers[inName.value] = triggers[inName.value] || []).push(entry);
    editing = null;
    submit.textContent = 'Add trigger';
    form.reset();
    describe();
    await save();
  }) }, h('h2', {}, 'Add or edit a trigger'), field('Trigger', inName), desc,
  h('div', { class: 'grid2' }, field('Handler (URL or executable)', inHandler),
    field('Streams', inStreams, 'Comma separated; empty = every stream'),
    field('Parameters', inParams), field('Default response', inDefault, 'Used when the handler cannot be reached')),
  h('label', { class: 'row' }, inSync, 'Blocking (wait for the response)'), submit);

  function render() {
    const rows = [];
    for (const [name, list] of Object.entries(triggers)) {
      (Array.isArray(list) ? list : [list]).forEach((t, i) => rows.push(h('tr', {},
        h('td', {}, name), h('td', {}, h('code', {}, t.handler || '')), h('td', {}, t.sync ? 'blocking' : 'async'),
        h('td', {}, (t.streams || []).join(', ') || 'all'), h('td', {}, t.params || ''), h('td', {}, t.default || ''),
        h('td', { class: 'row' },
          h('button', { class: 'secondary', onclick: () => {
            editing = [name, i];
            inName.value = name; inHandler.value = t.handler || ''; inSync.checked = !!t.sync;
            inStreams.value = (t.streams || []).join(', '); inParams.value = t.params || '';
            inDefault.value = t.default || '';
            submit.textContent = 'Save trigger';
            describe();
            form.scrollIntoView();
          } }, 'Edit'),
          h('button', { class: 'danger', onclick: action(async () => {
            triggers[name].splice(i, 1);
            if (!triggers[name].length) delete triggers[name];
            await save();
          }) }, 'Delete')))));
    }
    body.replaceChildren(...rows);
    if (!rows.length) body.replaceChildren(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'no triggers')));
  }
  render();
  const ref = h('tbody', {}, TRIGGERS.map((t) => h('tr', {}, t.map((c) => h('td', {}, c)))));
  return h('div', {}, h('h1', {}, 'Triggers'),
    h('div', { class: 'card' }, h('table', {}, h('thead', {}, h('tr', {},
      ['Trigger', 'Handler', 'Mode', 'Streams', 'Params', 'Default', ''].map((x) => h('th', {}, x)))), body)),
    form,
    h('div', { class: 'card' }, h('h2', {}, 'Available triggers'), h('table', {},
      h('thead', {}, h('tr', {}, ['Trigger', 'Fires when', 'Payload lines', 'Blocking response'].map((x) => h('th', {}, x)))), ref)));
}
