// A domain's graphical console in noVNC (#/domain/NAME/vnc): RFB over xend's WebSocket, which xend relays to
// QEMU's display (xend answers QEMU's VNC password itself; none reaches the browser). Keys go to QEMU as
// scancodes (QEMU's extended key events, which noVNC uses whenever the server offers them), so the guest's own
// keyboard layout decides what a key types, as with a physical keyboard: set the guest to German, and the key
// a German keyboard labels Z types z. A send-key menu gives the combinations the browser or the host's
// desktop would keep for themselves. The console reconnects by itself after a reboot or an xend restart.
import RFB from '/vendor/novnc/core/rfb.js';
import { consoleUrl, keepOpen, statusLine, viewerNotice } from './console-reconnect.js';

const CTRL = [0xffe3, 'ControlLeft'];
const ALT = [0xffe9, 'AltLeft'];
const fkey = (n) => [0xffbd + n, `F${n}`];

/** The send-key menu: a label and the keys pressed together, in order ([keysym, KeyboardEvent.code]). */
const COMBINATIONS = [
  ['Ctrl+Alt+Del', [CTRL, ALT, [0xffff, 'Delete']]],
  ['Ctrl+Alt+Backspace', [CTRL, ALT, [0xff08, 'Backspace']]],
  ...[1, 2, 3, 4, 5, 6, 7].map((n) => [`Ctrl+Alt+F${n}`, [CTRL, ALT, fkey(n)]]),
  ['Alt+Tab', [ALT, [0xff09, 'Tab']]],
  ['Alt+F4', [ALT, fkey(4)]],
  ['Print Screen', [[0xff61, 'PrintScreen']]],
  ['Alt+SysRq', [ALT, [0xff61, 'PrintScreen']]],
];

export function render(root, params, app) {
  const name = params.name;
  const head = document.createElement('div');
  head.className = 'toolbar';
  const title = document.createElement('h1');
  title.textContent = `${name}: graphical console`;
  const back = document.createElement('a');
  back.href = `#/domain/${encodeURIComponent(name)}`;
  back.textContent = 'details';
  const serial = document.createElement('a');
  serial.href = `#/domain/${encodeURIComponent(name)}/serial`;
  serial.textContent = 'serial console';
  head.append(title, back, serial);
  root.append(head);
  if (!app.isAdmin) {
    viewerNotice(root, name);
    return () => {};
  }

  const status = statusLine();
  const menu = document.createElement('select');
  menu.dataset.test = 'vnc-sendkey';
  menu.dataset.admin = '';
  menu.title = 'Send a key combination to the guest';
  menu.append(new Option('Send key…', ''));
  COMBINATIONS.forEach(([label], i) => menu.append(new Option(label, String(i))));
  const note = document.createElement('span');
  note.className = 'muted';
  note.textContent = 'Keys reach the guest as scancodes: its keyboard layout decides what they type.';
  head.append(menu, status.element);
  const screen = document.createElement('div');
  screen.className = 'vnc-screen';
  screen.dataset.test = 'vnc-screen';
  root.append(screen, note);

  let rfb = null;
  const keeper = keepOpen(app, () => {
    const r = new RFB(screen, consoleUrl(name, 'vnc'), { shared: true });
    r.scaleViewport = true;
    r.focusOnClick = true;
    let connected = false;
    let why = '';
    r.addEventListener('connect', () => {
      connected = true;
      rfb = r;
      screen.vmhostRfb = r; // for tests
      screen.dataset.connects = String(Number(screen.dataset.connects || 0) + 1);
      keeper.opened();
      r.focus();
    });
    r.addEventListener('securityfailure', (e) => {
      why = e.detail.reason || 'the display refused the connection';
    });
    r.addEventListener('disconnect', () => {
      if (rfb === r) rfb = null;
      if (why) {
        keeper.dropped(why);
        return;
      }
      // noVNC does not pass on the WebSocket's close reason: ask xend where the display is, and say its answer
      const plain = connected ? 'the display closed' : 'the display cannot be reached';
      app.api('GET', app.path('domains', name, 'vnc'))
        .then(() => keeper.dropped(plain), (e) => keeper.dropped(e.message || plain));
    });
    return { close: () => r.disconnect() };
  }, (state, why) => status.show(state, why));

  menu.addEventListener('change', () => {
    const combination = COMBINATIONS[Number(menu.value)];
    menu.value = '';
    if (!combination || !rfb) return;
    const keys = combination[1];
    keys.forEach(([keysym, code]) => rfb.sendKey(keysym, code, true));
    [...keys].reverse().forEach(([keysym, code]) => rfb.sendKey(keysym, code, false));
    rfb.focus();
  });

  return () => keeper.stop();
}
