// Networks (#/networks): the networks xend keeps (xm net-list), and for an administrator creating a bridged,
// nat or isolated one and deleting one no vif is on (xm net-create, xm net-delete).
import { act, admin, fill, refill, el, field } from './forms.js';

export function render(root, params, app) {
  let alive = true;
  const table = el('div', { dataset: { test: 'network-table' } });
  const err = el('p', { class: 'inline-error', dataset: { test: 'network-error' } });
  const parts = [el('h2', {}, 'Networks'), table, err];
  if (app.isAdmin) parts.push(createForm());
  root.append(el('section', { class: 'panel', dataset: { test: 'networks' } }, parts));
  const unsubscribe = app.events.subscribe((e) => {
    if (e.kind === 'reconnected' || String(e.kind).startsWith('network')) draw();
  });
  draw();
  return () => {
    alive = false;
    unsubscribe();
  };

  async function draw() {
    let networks;
    try {
      networks = (await app.api('GET', app.path('networks'))).networks;
    } catch (e) {
      if (alive) err.textContent = e.message;
      return;
    }
    if (!alive) return;
    const head = el('tr', {}, ['Name', 'Type', 'Bridge', 'Subnet', 'Uplink', 'Active', 'Taps', ''].map((h) => el('th', {}, h)));
    refill(table, el('table', { class: 'list' }, head, networks.map((n) => {
      let del = null;
      if (app.isAdmin) {
        del = admin(el('button', { type: 'button', class: 'danger', dataset: { test: `net-delete-${n.name}` } }, 'Delete'));
        del.addEventListener('click', () => act(del, err, async () => {
          if (!(await app.confirm(`Delete network ${n.name} (bridge ${n.bridge})?`, 'Delete'))) return;
          await app.api('DELETE', app.path('networks', n.name));
          await draw();
        }, app));
      }
      const taps = Array.isArray(n.taps) ? n.taps.join(', ') : String(n.taps ?? '');
      return el('tr', { dataset: { test: `net-${n.name}` } }, el('td', {}, n.name), el('td', {}, n.type), el('td', {}, n.bridge),
        el('td', {}, n.subnet || ''), el('td', {}, n.uplink || ''), el('td', {}, n.active ? 'yes' : 'no'), el('td', {}, taps),
        el('td', { class: 'actions' }, del));
    })), networks.length ? null : el('p', { class: 'muted' }, 'xend keeps no networks yet.'));
  }

  function createForm() {
    const name = admin(el('input', { type: 'text', dataset: { test: 'new-net-name' } }));
    const type = admin(el('select', { dataset: { test: 'new-net-type' } }, ['nat', 'isolated', 'bridged'].map((t) => el('option', { value: t }, t))));
    const bridge = admin(el('input', { type: 'text', size: 12, dataset: { test: 'new-net-bridge' }, placeholder: 'vmbr1' }));
    const subnet = admin(el('input', { type: 'text', size: 16, dataset: { test: 'new-net-subnet' }, placeholder: '10.0.5.0/24' }));
    const uplink = admin(el('input', { type: 'text', size: 10, dataset: { test: 'new-net-uplink' }, placeholder: 'eth0' }));
    const go = admin(el('button', { type: 'button', class: 'primary', dataset: { test: 'new-net-create' } }, 'Create network'));
    go.addEventListener('click', () => act(go, err, async () => {
      const body = { name: name.value, type: type.value, bridge: bridge.value };
      if (subnet.value) body.subnet = subnet.value;
      if (uplink.value) body.uplink = uplink.value;
      await app.api('POST', app.path('networks'), body);
      name.value = '';
      bridge.value = '';
      await draw();
    }, app));
    return admin(el('div', { class: 'toolbar', dataset: { test: 'new-network' } },
      field('Name', name), field('Type', type), field('Bridge', bridge), field('Subnet', subnet, 'nat and isolated'), field('Uplink', uplink, 'bridged'), go));
  }
}
