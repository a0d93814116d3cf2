// The shell of vmhost's web Virtual Machine Manager: who is logged in, the hash router that loads one module
// per page (pages/NAME.js, see GUI.md), the event stream, toasts and the confirm dialog. Everything a page
// needs reaches it through the `app` object given to its render().
import { api, ApiError, CREDENTIAL_ENDED, openEvents, path, setCsrfToken } from './api.js';

/** Routes: hash pattern → page module; the pattern's groups fill the named params. */
const ROUTES = [
  { pattern: /^#\/login$/, page: 'login', params: [] },
  { pattern: /^#\/host$/, page: 'host', params: [] },
  { pattern: /^#\/domains$/, page: 'domains', params: [] },
  { pattern: /^#\/domain\/([^/]+)$/, page: 'domain', params: ['name'] },
  { pattern: /^#\/domain\/([^/]+)\/serial$/, page: 'console-serial', params: ['name'] },
  { pattern: /^#\/domain\/([^/]+)\/vnc$/, page: 'console-vnc', params: ['name'] },
  { pattern: /^#\/new$/, page: 'wizard', params: [] },
  { pattern: /^#\/storage$/, page: 'storage', params: [] },
  { pattern: /^#\/networks$/, page: 'networks', params: [] },
];
const DEFAULT_ROUTE = '#/domains';

const subscribers = new Set();
let closeEvents = null;
let cleanup = null;
let shown = 0; // which navigation is current, so that a slow page load never paints over a newer one
let afterLogin = DEFAULT_ROUTE;
let current = null; // the hash the page shows
let ready = false; // whether the session is known: no page is shown before

const app = {
  user: null,
  /** 'admin' or 'viewer'; a viewer's pages carry no control that changes something. */
  role: null,
  get isAdmin() {
    return this.role === 'admin';
  },
  /** The API: rejects with an Error whose message is xend's; a lost session goes back to the login. */
  async api(method, p, body) {
    try {
      return await api(method, p, body);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && app.role !== null) loggedOut('Your session has ended; log in again.');
      throw e;
    }
  },
  path,
  events: {
    /** fn(event) for every event of xend's stream, and {kind: 'reconnected'} after a drop; returns unsubscribe. */
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
  },
  /** Shows `hash`; shown already, it is rendered afresh. */
  navigate(hash) {
    if (location.hash === hash) route(true);
    else location.hash = hash;
  },
  toast,
  confirm,
  /** Called by the login page with the session it opened. */
  loggedIn(session) {
    begin(session);
    app.navigate(afterLogin);
  },
};

function toast(text, kind = 'info') {
  const box = document.createElement('div');
  box.className = `toast ${kind}`;
  box.dataset.test = `toast-${kind}`;
  box.textContent = text;
  box.addEventListener('click', () => box.remove());
  document.getElementById('toasts').append(box);
  setTimeout(() => box.remove(), kind === 'error' ? 10000 : 4000);
}

/** A modal question; resolves true if the user pressed OK. */
function confirm(text, okLabel = 'OK') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  dialog.querySelector('[value=ok]').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

/** 'admin' or 'viewer', as `app.role` names xend's role. */
function roleOf(session) {
  return session.role === 'ADMIN' ? 'admin' : 'viewer';
}

function begin(session) {
  app.user = session.user;
  app.role = roleOf(session);
  if (session.csrfToken) setCsrfToken(session.csrfToken); // a login's answer; asking who is logged in gives none
  document.getElementById('user').textContent = `${session.user} (${app.role})`;
  const nav = document.getElementById('nav');
  nav.querySelector('[data-route=new]')?.remove();
  if (app.isAdmin) {
    const link = document.createElement('a');
    link.href = '#/new';
    link.textContent = 'New domain';
    link.dataset.route = 'new';
    link.dataset.test = 'nav-new';
    link.dataset.admin = '';
    nav.append(link);
  }
  document.getElementById('shell').hidden = false;
  if (closeEvents) closeEvents();
  let dropped = false;
  let failures = 0;
  closeEvents = openEvents(
    (event) => subscribers.forEach((fn) => fn(event)),
    (open, closeCode) => {
      const live = document.getElementById('live');
      live.classList.toggle('on', open);
      live.textContent = open ? 'live' : 'reconnecting';
      if (open && dropped) subscribers.forEach((fn) => fn({ kind: 'reconnected' }));
      dropped = !open;
      // A stream refused again and again may be a session that ended: asking who is logged in finds out (a 401
      // shows the login), as the consoles do. xend says so at once when it closes a stream for that reason.
      failures = open ? 0 : failures + 1;
      if (failures === 3 || closeCode === CREDENTIAL_ENDED) recheckSession();
    });
}

/** Asks xend who is logged in: a session that ended shows the login, a role that changed redraws the pages. */
function recheckSession() {
  app.api('GET', path('session')).then((session) => {
    if (session && roleOf(session) !== app.role) {
      begin(session);
      route(true);
    }
  }).catch(() => { /* a 401 has shown the login */ });
}

function loggedOut(message) {
  if (closeEvents) closeEvents();
  closeEvents = null;
  app.user = null;
  app.role = null;
  setCsrfToken(null);
  document.getElementById('shell').hidden = true;
  if (location.hash !== '#/login') afterLogin = location.hash || DEFAULT_ROUTE;
  if (message) toast(message, 'error');
  app.navigate('#/login');
}

async function route(again = false) {
  const hash = location.hash || DEFAULT_ROUTE;
  if (!ready || (hash === current && !again)) return;
  if (app.role === null && hash !== '#/login') {
    afterLogin = hash;
    app.navigate('#/login');
    return;
  }
  if (app.role !== null && hash === '#/login') {
    app.navigate(afterLogin);
    return;
  }
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(hash) })).find((x) => x.m);
  if (!match) {
    app.navigate(DEFAULT_ROUTE);
    return;
  }
  const params = {};
  match.r.params.forEach((name, i) => (params[name] = decodeURIComponent(match.m[i + 1])));
  const mine = ++shown;
  current = hash;
  if (cleanup) cleanup();
  cleanup = null;
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('current', a.dataset.route === match.r.page));
  const old = document.getElementById('page');
  const root = old.cloneNode(false); // a fresh element: no listener of the last page survives
  root.dataset.page = match.r.page;
  old.replaceWith(root);
  let module;
  try {
    module = await import(`./pages/${match.r.page}.js`);
  } catch (e) {
    if (mine !== shown) return;
    pageError(root, `This page cannot be loaded: ${e.message}`);
    return;
  }
  if (mine !== shown) return;
  try {
    cleanup = module.render(root, params, app) || null;
  } catch (e) {
    console.error(e);
    pageError(root, `This page failed: ${e.message}`);
  }
}

function pageError(root, text) {
  const p = document.createElement('p');
  p.className = 'error';
  p.dataset.test = 'page-error';
  p.textContent = text;
  root.replaceChildren(p);
}

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await api('DELETE', path('session'));
  } catch (e) {
    toast(e.message, 'error');
  }
  afterLogin = DEFAULT_ROUTE;
  loggedOut(null);
});

window.addEventListener('hashchange', () => route());

(async () => {
  try {
    begin(await api('GET', path('session')));
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) toast(e.message, 'error');
  }
  ready = true;
  route();
})();
