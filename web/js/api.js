// JSON API client for the management UI: MistServer challenge auth (md5(md5(pw) + challenge)),
// commands POSTed to /api with "minimal", errors raised as ApiError, and the /ws event socket.
import { md5 } from './md5.js';

export class ApiError extends Error {}
export class AuthError extends ApiError {}

const SESSION_KEY = 'haze.auth';

let creds = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
let challenge = '';
let local = false;

function saveCreds() {
  if (creds) sessionStorage.setItem(SESSION_KEY, JSON.stringify(creds));
  else sessionStorage.removeItem(SESSION_KEY);
}

function authorizeBlock() {
  if (!creds) return undefined;
  return { username: creds.username, password: challenge ? md5(creds.hash + challenge) : '' };
}

async function post(body) {
  let r;
  try {
    r = await fetch('api', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                             body: JSON.stringify(body) });
  } catch (e) {
    throw new ApiError('cannot reach the server: ' + e.message);
  }
  const text = await r.text();
  let answer;
  try {
    answer = JSON.parse(text);
  } catch (e) {
    throw new ApiError(`HTTP ${r.status}: ${text.slice(0, 200)}`);
  }
  if (answer.authorize) {
    if (answer.authorize.challenge) challenge = answer.authorize.challenge;
    local = !!answer.authorize.local;
  }
  return answer;
}

function collectErrors(answer, keys) {
  const errs = [];
  if (answer.error) errs.push(String(answer.error));
  for (const k of keys) {
    const v = answer[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.error === 'string') errs.push(`${k}: ${v.error}`);
  }
  const inc = answer['incomplete list'];
  if (inc) for (const [name, v] of Object.entries(inc)) errs.push(`${name}: ${v && v.error ? v.error : 'rejected'}`);
  return errs;
}

// Runs one request carrying the given commands; retries once when only the challenge was stale.
export async function call(commands, { retry = true } = {}) {
  const body = { ...commands, minimal: 1 };
  const auth = authorizeBlock();
  if (auth) body.authorize = auth;
  const answer = await post(body);
  const status = answer.authorize && answer.authorize.status;
  if (status !== 'OK') {
    if (status === 'CHALL' && retry && creds) return call(commands, { retry: false });
    throw new AuthError(status === 'NOACC' ? 'no account exists yet: create one' : 'not logged in');
  }
  const errs = collectErrors(answer, Object.keys(commands));
  if (errs.length) {
    const e = new ApiError(errs.join('; '));
    e.answer = answer;
    throw e;
  }
  return answer;
}

// Probes the auth state: 'OK' (already authorized, e.g. local), 'CHALL' or 'NOACC'.
export async function probe() {
  let a = await post({ minimal: 1, authorize: authorizeBlock() || { username: '', password: '' } });
  // A fresh page knows the stored credentials but not yet today's challenge: answer it once.
  if (creds && a.authorize && a.authorize.status === 'CHALL') a = await post({ minimal: 1, authorize: authorizeBlock() });
  return a.authorize ? a.authorize.status : 'CHALL';
}

export async function login(username, password) {
  creds = { username, hash: md5(password) };
  await post({ minimal: 1, authorize: { username, password: '' } });
  const a = await post({ minimal: 1, authorize: authorizeBlock() });
  if (!a.authorize || a.authorize.status !== 'OK') {
    creds = null;
    saveCreds();
    throw new AuthError(a.authorize && a.authorize.status === 'NOACC'
      ? 'no account exists yet: create one' : 'wrong user name or password');
  }
  saveCreds();
}

export async function createAccount(username, password) {
  const a = await post({ minimal: 1, authorize: { new_username: username, new_password: password } });
  const st = a.authorize && a.authorize.status;
  if (st !== 'ACC_MADE' && st !== 'OK') throw new AuthError(`account not created (${st || 'no answer'})`);
  await login(username, password);
}

export async function logout() {
  try { await post({ minimal: 1, logout: true }); } catch (e) { /* logging out anyway */ }
  creds = null;
  saveCreds();
}

export function isLocal() { return local; }
export function userName() { return creds ? creds.username : (local ? '(local)' : ''); }

// Opens /ws and calls onEvent(kind, payload) for log/access/stream frames. Returns {close()}.
export function openEvents(onEvent, onState) {
  const url = new URL('ws?logs=100&streams=1', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url);
  let sentAuth = false;
  ws.onmessage = (m) => {
    let frame;
    try { frame = JSON.parse(m.data); } catch (e) { return; }
    if (!Array.isArray(frame)) return;
    const [kind, payload] = frame;
    if (kind === 'auth') {
      if (payload === true) onState('open');
      else if (creds && !sentAuth) {
        sentAuth = true;
        ws.send(JSON.stringify(['auth', authorizeBlock()]));
      }
      else onState('unauthorized');
      return;
    }
    onEvent(kind, payload);
  };
  ws.onclose = () => onState('closed');
  ws.onerror = () => onState('error');
  return { close: () => ws.close() };
}
