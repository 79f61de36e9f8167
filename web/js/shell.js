// Shared UI state for the views: the HTTP-port base URL (player.js, json_, media), view-scoped
// timers and teardown, and the hook that sends the user back to the login form.
import { AuthError } from './api.js';
import { showError } from './dom.js';

let loginHandler = () => {};
export function setLoginHandler(fn) { loginHandler = fn; }

// Where player.js, json_ and the media live (the HTTP port). ?http=URL overrides and is kept.
export function httpBase() {
  const q = new URLSearchParams(location.search).get('http');
  if (q) localStorage.setItem('haze.httpBase', q);
  let b = localStorage.getItem('haze.httpBase') ||
    `${location.protocol}//${location.hostname}:${detectedHttpPort || 8080}/`;
  if (!b.endsWith('/')) b += '/';
  return b;
}

// The HTTP port the server reports (capabilities.listen_ports.HTTP); used when nothing overrides.
let detectedHttpPort = 0;
export function setDetectedHttpPort(port) { detectedHttpPort = Number(port) || 0; }

export function setHttpBase(url) {
  localStorage.setItem('haze.httpBase', url);
}

let cleanup = [];
// Registers a teardown run when the view changes (timers, sockets, players).
export function onLeave(fn) { cleanup.push(fn); }

// Runs fn now and every ms milliseconds while the view is shown; errors are shown once per streak.
export function every(ms, fn) {
  let failing = false;
  const run = async () => {
    try { await fn(); failing = false; } catch (e) {
      if (e instanceof AuthError) { loginHandler(); return; }
      if (!failing) showError(e);
      failing = true;
    }
  };
  run();
  const t = setInterval(run, ms);
  onLeave(() => clearInterval(t));
}

export function leave() {
  for (const fn of cleanup) { try { fn(); } catch (e) { /* best effort */ } }
  cleanup = [];
}

