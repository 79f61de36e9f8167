// Management UI entry: login (challenge auth, first account creation), hash router, the shared
// state every view uses (player host on the HTTP port, periodic refresh).
import * as api from './api.js';
import { h, action, notice, showError } from './dom.js';
import { leave, setLoginHandler, httpBase, setDetectedHttpPort } from './shell.js';
import { overviewView } from './views/overview.js';
import { streamsView, streamDetailView, streamEditView } from './views/streams.js';
import { pushesView } from './views/pushes.js';
import { triggersView } from './views/triggers.js';
import { logsView } from './views/logs.js';
import { protocolsView, variablesView, configView } from './views/settings.js';

const main = document.getElementById('main');
const routes = {
  overview: overviewView,
  streams: streamsView,
  stream: streamDetailView,
  edit: streamEditView,
  pushes: pushesView,
  triggers: triggersView,
  protocols: protocolsView,
  variables: variablesView,
  logs: logsView,
  config: configView,
};

async function route() {
  leave();
  const [name, ...rest] = (location.hash.slice(1) || 'overview').split('/');
  const view = routes[name] || overviewView;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.getAttribute('href') === `#${name === 'stream' || name === 'edit' ? 'streams' : name}`);
  }
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const content = await view(rest.map(decodeURIComponent));
    main.replaceChildren(content);
  } catch (e) {
    if (e instanceof api.AuthError) { showLogin(); return; }
    main.replaceChildren(h('div', { class: 'card' }, h('h1', {}, 'Error'), h('p', { role: 'alert' }, e.message)));
    showError(e);
  }
}

function renderUser() {
  const u = document.getElementById('user');
  u.replaceChildren(api.userName() ? h('span', {}, api.userName()) : '',
    api.userName() && !api.isLocal() ? h('button', { class: 'secondary', onclick: action(async () => {
      await api.logout();
      showLogin();
    }) }, 'Log out') : '');
}

async function showLogin() {
  leave();
  document.getElementById('nav').hidden = true;
  let status = 'CHALL';
  try { status = await api.probe(); } catch (e) { showError(e); }
  if (status === 'OK') { start(); return; }
  const user = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const create = status === 'NOACC';
  const form = h('form', { class: 'card login', onsubmit: action(async (ev) => {
    ev.preventDefault();
    if (create) await api.createAccount(user.value, pass.value);
    else await api.login(user.value, pass.value);
    notice(create ? 'Account created' : 'Logged in', 'info');
    start();
  }) },
  h('h1', {}, create ? 'Create the first account' : 'Log in'),
  create ? h('p', { class: 'muted' }, 'No account exists yet. Choose a user name and password.') : null,
  h('label', { class: 'field' }, h('span', {}, 'User name'), user),
  h('label', { class: 'field' }, h('span', {}, 'Password'), pass),
  h('button', { type: 'submit' }, create ? 'Create account' : 'Log in'));
  main.replaceChildren(form);
  user.focus();
}

async function start() {
  document.getElementById('notices').replaceChildren();
  document.getElementById('nav').hidden = false;
  renderUser();
  try {  // where the media port really is (it may be set on the command line, or picked: port 0)
    const a = await api.call({ capabilities: true });
    const ports = (a.capabilities && a.capabilities.listen_ports) || {};
    setDetectedHttpPort(ports.HTTP);
  } catch (e) {
    if (e instanceof api.AuthError) { showLogin(); return; }
  }
  route();
}

httpBase();  // keeps a ?http= override for the next pages
setLoginHandler(() => showLogin());
window.addEventListener('hashchange', route);
showLogin();
