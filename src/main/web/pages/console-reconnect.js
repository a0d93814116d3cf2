// A console's WebSocket that keeps itself open: after a drop (the guest rebooted into a new QEMU, xend
// restarted) it reconnects with a growing pause, and says what it is doing through onState. Shared by the
// serial and the graphical console pages.

import { CREDENTIAL_ENDED, socketQuery } from '../api.js';

/** ws(s)://this-host/api/v1/domains/NAME/KIND/ws, with the login's token */
export function consoleUrl(name, kind) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/v1/domains/${encodeURIComponent(name)}/${kind}/ws${socketQuery()}`;
}

/**
 * Calls connect() (which opens one connection and returns {close()}) now and again after each drop that
 * dropped() reports, pausing 0.5 s, 1 s, 2 s ... up to 5 s; a connection that worked resets the pause. After
 * a few failures in a row, or at once when the close code says the login that opened it has ended (4401; the
 * serial console passes it, noVNC does not: the graphical console asks xend itself after each drop), it asks xend
 * who is logged in: a session that ended takes the user to the login, which brings them back here. Returns
 * {stop(), dropped(why, closeCode), opened()}.
 */
export function keepOpen(app, connect, onState) {
  let stopped = false;
  let delay = 500;
  let failures = 0;
  let timer = null;
  let current = null;
  const keeper = {
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (current) current.close();
      current = null;
    },
    opened() {
      delay = 500;
      failures = 0;
      onState('connected', '');
    },
    dropped(why, closeCode) {
      if (stopped) return;
      current = null;
      failures += 1;
      const wait = delay;
      delay = Math.min(delay * 2, 5000);
      onState('reconnecting', why);
      if (failures >= 3 || closeCode === CREDENTIAL_ENDED) {
        app.api('GET', app.path('session')).catch(() => { /* app shows the login on 401 */ });
      }
      clearTimeout(timer);
      timer = setTimeout(start, wait);
    },
  };
  const start = () => {
    if (stopped) return;
    onState('connecting', '');
    current = connect();
  };
  start();
  return keeper;
}

/** A status line: data-test="console-status", with data-state for tests and CSS. */
export function statusLine() {
  const line = document.createElement('span');
  line.className = 'console-status';
  line.dataset.test = 'console-status';
  return {
    element: line,
    show(state, why) {
      line.dataset.state = state;
      line.textContent = state === 'reconnecting' ? `reconnecting…${why ? ` (${why})` : ''}` : state;
    },
  };
}

/** The page a viewer gets: consoles are for administrators (xend refuses a viewer's WebSocket too). */
export function viewerNotice(root, name) {
  const p = document.createElement('p');
  p.className = 'panel';
  p.dataset.test = 'console-refused';
  p.textContent = `The consoles of ${name} are open to administrators only: a console types into the guest and `
    + 'shows whatever it prints, passwords typed at its prompts included.';
  root.append(p);
}
