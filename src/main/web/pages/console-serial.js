// A domain's serial console in xterm.js (#/domain/NAME/serial): the history xm console shows, then live
// output; what is typed goes to the guest. The WebSocket carries the console's bytes unchanged and reconnects
// by itself after the guest reboots or xend restarts.
import { Terminal } from '/vendor/xterm/xterm.mjs';
import { FitAddon } from '/vendor/xterm-addon-fit/addon-fit.mjs';
import { consoleUrl, keepOpen, statusLine, viewerNotice } from './console-reconnect.js';

export function render(root, params, app) {
  const name = params.name;
  const head = document.createElement('div');
  head.className = 'toolbar';
  const title = document.createElement('h1');
  title.textContent = `${name}: serial console`;
  const back = document.createElement('a');
  back.href = `#/domain/${encodeURIComponent(name)}`;
  back.textContent = 'details';
  const vnc = document.createElement('a');
  vnc.href = `#/domain/${encodeURIComponent(name)}/vnc`;
  vnc.textContent = 'graphical console';
  head.append(title, back, vnc);
  root.append(head);
  if (!app.isAdmin) {
    viewerNotice(root, name);
    return () => {};
  }

  const status = statusLine();
  head.append(status.element);
  if (!document.querySelector('link[data-xterm]')) {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/vendor/xterm/xterm.css';
    css.dataset.xterm = '';
    document.head.append(css);
  }
  const box = document.createElement('div');
  box.className = 'serial-console';
  box.dataset.test = 'serial-terminal';
  root.append(box);

  const term = new Terminal({ cursorBlink: true, scrollback: 5000, convertEol: false,
    fontFamily: 'monospace', fontSize: 14 });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(box);
  fit.fit();
  box.vmhostTerminal = term; // for tests: the text the terminal holds
  const onResize = () => fit.fit();
  window.addEventListener('resize', onResize);

  const encoder = new TextEncoder();
  let socket = null;
  // The history replays what the guest once wrote, terminal queries included (a shell asks for the cursor
  // position when it starts); xterm.js would answer them again, typing the answers into today's shell. So its
  // answers to queries are held back until the history has been written and the stream has been quiet for a
  // moment; what the user types goes through at once.
  let replaying = false;
  let quiet = null;
  let said = null;
  const settle = () => {
    clearTimeout(quiet);
    quiet = setTimeout(() => { replaying = false; }, 300);
  };
  const keeper = keepOpen(app, () => {
    const ws = new WebSocket(consoleUrl(name, 'console'));
    ws.binaryType = 'arraybuffer';
    let opened = false;
    let working = false;
    let confirm = null;
    // A WebSocket that opens may still be closed at once (4404: the domain is not running): the console
    // counts as connected, and the terminal is cleared for the history, only once output comes or the
    // connection has lasted a second; until then the last screen stays, and the pause between retries grows.
    const works = () => {
      if (working || socket !== ws) return;
      working = true;
      clearTimeout(confirm);
      term.reset(); // the history comes again, first
      replaying = true;
      settle();
      box.dataset.connects = String(Number(box.dataset.connects || 0) + 1);
      keeper.opened();
    };
    ws.onopen = () => {
      opened = true;
      socket = ws;
      confirm = setTimeout(works, 1000);
    };
    ws.onmessage = (m) => {
      works();
      term.write(new Uint8Array(m.data), () => { if (replaying) settle(); });
    };
    ws.onclose = (e) => {
      clearTimeout(confirm);
      if (socket === ws) socket = null;
      keeper.dropped(e.reason || (opened ? 'the console closed' : 'xend cannot be reached'), e.code);
    };
    return { close: () => ws.close() };
  }, (state, why) => {
    status.show(state, why);
    // said once per reason, not at every retry
    if (state === 'reconnecting' && why !== said) term.write(`\r\n\x1b[33m[${why || 'disconnected'}; reconnecting]\x1b[0m\r\n`);
    if (state === 'reconnecting') said = why;
    if (state === 'connected') said = null;
  });
  // Device status and attribute queries (CSI n, CSI ? n, CSI c, CSI > c): handled here, unanswered, while
  // replaying; otherwise left to xterm.js, which answers them.
  const queries = [{ final: 'n' }, { prefix: '?', final: 'n' }, { final: 'c' }, { prefix: '>', final: 'c' }]
    .map((id) => term.parser.registerCsiHandler(id, () => replaying));
  const typing = term.onData((data) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
  });
  const binary = term.onBinary((data) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(Uint8Array.from(data, (c) => c.charCodeAt(0)));
  });
  term.focus();

  return () => {
    keeper.stop();
    clearTimeout(quiet);
    queries.forEach((q) => q.dispose());
    typing.dispose();
    binary.dispose();
    window.removeEventListener('resize', onResize);
    term.dispose();
  };
}
