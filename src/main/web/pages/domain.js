// One domain (#/domain/NAME): its details and lifecycle actions, the hardware editor (memory, vCPUs, boot order,
// display, serial, disks, NICs) and its configuration as xm text (view, download, edit with errors at their
// line). A running domain takes disk and NIC changes at once (hot-plug); every other change is written to its
// definition and marked as applying at its next boot. A viewer sees it all, with no control that changes anything.
import { act, admin, fill, refill, el, errorLine, field, gutterLines, listOverride, listSetting, setting } from './forms.js';
import { ask } from './widgets/ask.js';
import { showState } from './widgets/state.js';

const ACTIONS = [
  { op: 'start', label: 'Start', when: (s) => s === 'SHUT_OFF' },
  { op: 'shutdown', label: 'Shut down', when: (s) => ['RUNNING', 'BLOCKED'].includes(s) },
  { op: 'reboot', label: 'Reboot', when: (s) => ['RUNNING', 'BLOCKED'].includes(s) },
  { op: 'pause', label: 'Pause', when: (s) => ['RUNNING', 'BLOCKED'].includes(s) },
  { op: 'unpause', label: 'Resume', when: (s) => s === 'PAUSED' },
  { op: 'destroy', label: 'Force off', when: (s) => s !== 'SHUT_OFF', confirm: 'Pull the plug on' },
];

export function render(root, params, app) {
  const name = params.name;
  let alive = true;
  let info = null;
  let config = null;
  const view = {
    head: el('section', { class: 'panel', dataset: { test: 'domain-details' } }),
    hardware: el('section', { class: 'panel', dataset: { test: 'hardware' } }),
    disks: el('section', { class: 'panel', dataset: { test: 'disks' } }),
    nics: el('section', { class: 'panel', dataset: { test: 'nics' } }),
    text: el('section', { class: 'panel', dataset: { test: 'config-panel' } }),
  };
  root.append(view.head, el('div', { class: 'grid' }, view.hardware, view.disks), view.nics, view.text);

  const unsubscribe = app.events.subscribe((e) => {
    if (e.kind === 'reconnected' || e.domain === name || e.domain === info?.name) refresh();
  });
  refresh();
  return () => {
    alive = false;
    unsubscribe();
  };

  /** Whether its definition may be edited here: by an administrator, for a managed domain (xm new). */
  function editable() {
    return app.isAdmin && info && info.managed && !info.error;
  }

  function running() {
    return info && info.state !== 'SHUT_OFF';
  }

  async function refresh() {
    try {
      const [i, c] = await Promise.all([app.api('GET', app.path('domains', name)), app.api('GET', app.path('domains', name, 'config'))]);
      if (!alive) return;
      const textChanged = !config || config.configText !== c.configText;
      info = i;
      config = c;
      drawHead();
      drawHardware();
      drawDisks();
      drawNics();
      if (textChanged) drawText();
    } catch (e) {
      if (!alive) return;
      fill(view.head, el('h2', {}, name), el('p', { class: 'error', dataset: { test: 'domain-error' } }, e.message));
    }
  }

  /** Replaces the definition: the text, or the text with key=value overrides (the hardware form's changes). */
  async function redefine(configText, overrides = []) {
    config = await app.api('PUT', app.path('domains', name, 'config'), { sourceName: `${name}.cfg`, configText, overrides });
    app.toast(config.nextBoot ? `Saved; it applies when ${name} next boots.` : 'Saved.');
    await refresh();
    drawText();
  }

  function nextBootNote() {
    return config.nextBoot
      ? el('p', { class: 'next-boot', dataset: { test: 'next-boot' } }, 'Changed while running: the saved configuration applies at the next boot (after it stops; a reboot keeps the running one).')
      : null;
  }

  function drawHead() {
    const err = el('span', { class: 'inline-error', dataset: { test: 'action-error' } });
    const buttons = app.isAdmin ? ACTIONS.filter((a) => a.when(info.state)).map((a) => {
      const b = admin(el('button', { type: 'button', dataset: { test: `action-${a.op}` } }, a.label));
      b.addEventListener('click', () => act(b, err, async () => {
        if (a.confirm && !(await app.confirm(`${a.confirm} '${name}'?`))) return;
        await app.api('POST', app.path('domains', name, a.op), {});
        await refresh();
      }, app));
      return b;
    }) : [];
    let deleteControls = [];
    if (app.isAdmin && info.state === 'SHUT_OFF' && info.managed) {
      const del = admin(el('button', { type: 'button', class: 'danger', dataset: { test: 'action-delete' } }, 'Delete'));
      del.addEventListener('click', () => act(del, err, async () => {
        const answer = await ask(`Delete domain '${name}'?`, { ok: 'Delete', option: 'Also delete the disk images it writes (images of xend\'s storage pools; CD-ROMs and disks it only reads stay)' });
        if (!answer) return;
        await app.api('DELETE', app.path('domains', name) + (answer.option ? '?images=true' : ''));
        app.toast(`Domain '${name}' deleted${answer.option ? ' with its disk images' : ''}.`);
        app.navigate('#/domains');
      }, app));
      deleteControls = [del];
    }
    const consoles = running() && app.isAdmin ? [
      el('a', { href: `#/domain/${encodeURIComponent(name)}/serial`, dataset: { test: 'open-serial' } }, 'Serial console'),
      el('a', { href: `#/domain/${encodeURIComponent(name)}/vnc`, dataset: { test: 'open-vnc' } }, 'Display'),
    ] : [];
    const state = el('span', { dataset: { test: 'detail-state' } });
    showState(state, info.state);
    fill(view.head, 
      el('h2', {}, `${info.name} `, state),
      el('dl', { class: 'facts' },
        el('dt', {}, 'Type'), el('dd', {}, info.type || '?'),
        el('dt', {}, 'Id'), el('dd', {}, info.domid === null ? '—' : String(info.domid)),
        el('dt', {}, 'UUID'), el('dd', {}, info.uuid),
        el('dt', {}, 'Memory'), el('dd', { dataset: { test: 'detail-memory' } }, `${info.memory} MiB`),
        el('dt', {}, 'vCPUs'), el('dd', { dataset: { test: 'detail-vcpus' } }, String(info.vcpus)),
        el('dt', {}, 'Managed'), el('dd', {}, info.managed ? 'yes (xm new)' : 'no (xm create: forgotten when it stops)')),
      el('div', { class: 'toolbar' }, buttons, deleteControls, el('span', { class: 'grow' }), consoles),
      err);
  }

  function drawHardware() {
    const text = config.configText;
    const hvm = info.type === 'HVM';
    const form = {
      memory: el('input', { type: 'number', min: 16, value: setting(text, 'memory') ?? String(info.memory), dataset: { test: 'hw-memory' }, disabled: !editable() }),
      vcpus: el('input', { type: 'number', min: 1, value: setting(text, 'vcpus') ?? String(info.vcpus), dataset: { test: 'hw-vcpus' }, disabled: !editable() }),
      boot: el('input', { type: 'text', size: 4, pattern: '[acdn]{1,4}', value: setting(text, 'boot') ?? 'c', dataset: { test: 'hw-boot' }, disabled: !editable() }),
      serial: el('select', { dataset: { test: 'hw-serial' }, disabled: !editable() },
        ['pty', 'none'].map((v) => el('option', { value: v, selected: (setting(text, 'serial') ?? 'pty') === v }, v))),
      vnc: el('input', { type: 'checkbox', checked: displayOn(text), dataset: { test: 'hw-vnc' }, disabled: !editable() }),
    };
    const err = el('span', { class: 'inline-error', dataset: { test: 'hw-error' } });
    const rows = [field('Memory (MiB)', form.memory), field('Virtual CPUs', form.vcpus)];
    if (hvm) rows.push(field('Boot order', form.boot, 'c disk, d CD-ROM, n network'), field('Serial port', form.serial));
    rows.push(field('Graphical display (VNC)', form.vnc));
    let save = null;
    if (editable()) {
      save = admin(el('button', { type: 'button', class: 'primary', dataset: { test: 'hw-save' } }, running() ? 'Save for next boot' : 'Save'));
      save.addEventListener('click', () => act(save, err, () => {
        const overrides = [`memory=${Number(form.memory.value)}`, `vcpus=${Number(form.vcpus.value)}`];
        if (hvm) {
          if (!/^[acdn]{1,4}$/.test(form.boot.value)) throw new Error('boot order: letters from a, c, d, n');
          overrides.push(`boot='${form.boot.value}'`, `serial='${form.serial.value}'`);
          overrides.push(`vnc=${form.vnc.checked ? 1 : 0}`);
          if (!form.vnc.checked) overrides.push('vfb=[]');
        } else if (form.vnc.checked !== displayOn(text)) {
          overrides.push(form.vnc.checked ? "vfb=['vnc=1']" : 'vfb=[]');
        }
        return redefine(config.configText, overrides);
      }, app));
    }
    refill(view.hardware, el('h2', {}, 'Hardware'),
      running() && editable() ? el('p', { class: 'muted' }, 'The domain runs: these settings apply at its next boot (after it stops).') : null,
      nextBootNote(), el('div', { class: 'form' }, rows), save, err);
  }

  function displayOn(text) {
    return setting(text, 'vnc') === '1' || listSetting(text, 'vfb').some((v) => /(^|,)(vnc|type)=(1|vnc)/.test(v));
  }

  async function drawDisks() {
    let disks = [];
    try {
      disks = (await app.api('GET', app.path('domains', name, 'disks'))).disks;
    } catch (e) {
      refill(view.disks, el('h2', {}, 'Disks'), el('p', { class: 'error' }, e.message));
      return;
    }
    if (!alive) return;
    const err = el('span', { class: 'inline-error', dataset: { test: 'disk-error' } });
    const images = await poolImages();
    const imageList = el('datalist', { id: 'domain-images' }, images.map((i) => el('option', { value: `${i.format === 'qcow2' ? 'tap:qcow2:' : 'file:'}${i.path}` }, i.name)));
    const rows = disks.map((d) => {
      const cells = [el('td', {}, d.vdev), el('td', {}, d.deviceType), el('td', { dataset: { test: `disk-uname-${d.vdev}` } }, d.uname || '(empty)'), el('td', {}, d.mode)];
      const controls = [];
      if (app.isAdmin) {
        const detach = admin(el('button', { type: 'button', dataset: { test: `disk-detach-${d.vdev}` } }, 'Detach'));
        detach.addEventListener('click', () => act(detach, err, async () => {
          if (!(await app.confirm(`Detach ${d.vdev} (${d.uname || 'empty'}) from '${name}'? The image stays.`, 'Detach'))) return;
          await app.api('DELETE', app.path('domains', name, 'disks', d.vdev));
          await refresh();
        }, app));
        controls.push(detach);
        if (d.deviceType === 'cdrom') {
          const medium = admin(el('input', { type: 'text', size: 30, list: 'domain-images', placeholder: 'file:/path/to.iso', dataset: { test: `cd-medium-${d.vdev}` } }));
          const change = admin(el('button', { type: 'button', dataset: { test: `cd-change-${d.vdev}` } }, 'Insert'));
          const eject = admin(el('button', { type: 'button', dataset: { test: `cd-eject-${d.vdev}` } }, 'Eject'));
          change.addEventListener('click', () => act(change, err, async () => {
            await app.api('POST', app.path('domains', name, 'disks', d.vdev, 'medium'), { backend: medium.value, mode: 'r' });
            await refresh();
          }, app));
          eject.addEventListener('click', () => act(eject, err, async () => {
            await app.api('POST', app.path('domains', name, 'disks', d.vdev, 'medium'), { backend: '', mode: 'r' });
            await refresh();
          }, app));
          controls.push(medium, change, eject);
        }
      }
      return el('tr', { dataset: { test: `disk-${d.vdev}` } }, cells, el('td', { class: 'actions' }, controls));
    });
    let attach = null;
    if (app.isAdmin) {
      const backend = admin(el('input', { type: 'text', size: 40, list: 'domain-images', placeholder: 'tap:qcow2:/pool/image.qcow2', dataset: { test: 'disk-backend' } }));
      const vdev = admin(el('input', { type: 'text', size: 6, placeholder: info.type === 'HVM' ? 'hdb' : 'xvdb', dataset: { test: 'disk-vdev' } }));
      const mode = admin(el('select', { dataset: { test: 'disk-mode' } }, ['w', 'r'].map((m) => el('option', { value: m }, m))));
      const cdrom = admin(el('input', { type: 'checkbox', dataset: { test: 'disk-cdrom' } }));
      const go = admin(el('button', { type: 'button', dataset: { test: 'disk-attach' } }, running() ? 'Attach now' : 'Attach'));
      go.addEventListener('click', () => act(go, err, async () => {
        await app.api('POST', app.path('domains', name, 'disks'), { backend: backend.value, vdev: vdev.value + (cdrom.checked ? ':cdrom' : ''), mode: cdrom.checked ? 'r' : mode.value });
        await refresh();
      }, app));
      attach = el('div', { class: 'toolbar' }, backend, vdev, mode, el('label', { class: 'choice' }, cdrom, ' CD-ROM'), go);
    }
    refill(view.disks, el('h2', {}, 'Disks'), imageList,
      el('table', { class: 'list' }, el('tr', {}, ['Device', 'Type', 'Backend', 'Mode', ''].map((h) => el('th', {}, h))), rows),
      attach, err);
  }

  async function poolImages() {
    try {
      const pools = (await app.api('GET', app.path('pools'))).pools;
      const lists = await Promise.all(pools.map((p) => app.api('GET', `${app.path('images')}?pool=${encodeURIComponent(p.path)}`).catch(() => ({ images: [] }))));
      return lists.flatMap((l) => l.images);
    } catch (e) {
      return [];
    }
  }

  async function drawNics() {
    const err = el('span', { class: 'inline-error', dataset: { test: 'nic-error' } });
    const configured = listSetting(config.configText, 'vif');
    let networks = [];
    try {
      networks = (await app.api('GET', app.path('networks'))).networks;
    } catch (e) {
      err.textContent = e.message;
    }
    let live = null;
    if (running()) {
      try {
        const vifs = (await app.api('GET', app.path('domains', name, 'vifs'))).vifs;
        live = el('table', { class: 'list', dataset: { test: 'vifs-live' } },
          el('tr', {}, ['Devid', 'MAC', 'Bridge', 'Tap', 'Model', ''].map((h) => el('th', {}, h))),
          vifs.map((v) => {
            const detach = app.isAdmin ? admin(el('button', { type: 'button', dataset: { test: `vif-detach-${v.devid}` } }, 'Unplug')) : null;
            detach?.addEventListener('click', () => act(detach, err, async () => {
              if (!(await app.confirm(`Unplug NIC ${v.devid} (${v.mac}) from '${name}'?`, 'Unplug'))) return;
              await app.api('DELETE', app.path('domains', name, 'vifs', String(v.devid)));
              await refresh();
            }, app));
            return el('tr', {}, el('td', {}, String(v.devid)), el('td', {}, v.mac), el('td', {}, v.bridge || '—'),
              el('td', {}, v.tap || 'user-mode'), el('td', {}, v.model), el('td', { class: 'actions' }, detach));
          }));
      } catch (e) {
        err.textContent = e.message;
      }
    }
    if (!alive) return;
    const rows = configured.map((spec, i) => {
      let remove = null;
      if (editable()) {
        remove = admin(el('button', { type: 'button', dataset: { test: `nic-remove-${i}` } }, 'Remove'));
        remove.addEventListener('click', () => act(remove, err, () => redefine(config.configText, [listOverride('vif', configured.filter((_, j) => j !== i))]), app));
      }
      return el('tr', { dataset: { test: `nic-${i}` } }, el('td', {}, String(i)), el('td', {}, spec || '(defaults)'), el('td', { class: 'actions' }, remove));
    });
    let add = null;
    if (editable() || (app.isAdmin && running())) {
      const bridge = admin(el('select', { dataset: { test: 'nic-network' } }, networks.map((n) => el('option', { value: n.bridge }, `${n.name} (${n.bridge})`))));
      const model = admin(el('select', { dataset: { test: 'nic-model' } }, ['', 'virtio', 'e1000', 'rtl8139'].map((m) => el('option', { value: m }, m || 'default model'))));
      const spec = () => [`bridge=${bridge.value}`, model.value ? `model=${model.value}` : null].filter(Boolean).join(',');
      let toConfig = null;
      if (editable()) {
        toConfig = admin(el('button', { type: 'button', dataset: { test: 'nic-add' } }, running() ? 'Add for next boot' : 'Add'));
        toConfig.addEventListener('click', () => act(toConfig, err, () => redefine(config.configText, [listOverride('vif', [...configured, spec()])]), app));
      }
      let now = null;
      if (running()) {
        now = admin(el('button', { type: 'button', dataset: { test: 'nic-attach-now' } }, 'Plug in now'));
        now.addEventListener('click', () => act(now, err, async () => {
          await app.api('POST', app.path('domains', name, 'vifs'), { bridge: bridge.value, model: model.value || undefined });
          await refresh();
        }, app));
      }
      add = el('div', { class: 'toolbar' }, bridge, model, toConfig, now);
    }
    refill(view.nics, el('h2', {}, 'Network interfaces'),
      el('h3', {}, running() ? 'In its configuration (next boot)' : 'In its configuration'),
      el('table', { class: 'list', dataset: { test: 'vifs-config' } }, el('tr', {}, ['#', 'vif', ''].map((h) => el('th', {}, h))), rows),
      live ? [el('h3', {}, 'Plugged in now'), live] : null, add, err);
  }

  function drawText() {
    const text = config.configText;
    const source = `${name}.cfg`;
    const area = el('textarea', { class: 'config', rows: Math.max(12, text.split('\n').length + 2), cols: 90, spellcheck: false,
      dataset: { test: 'config-text' }, readOnly: !editable() });
    area.value = text;
    const gutter = el('pre', { class: 'gutter', dataset: { test: 'config-gutter' } });
    const err = el('p', { class: 'inline-error', dataset: { test: 'config-error' } });
    const number = (bad) => gutterLines(gutter, area.value, bad);
    number(0);
    area.addEventListener('input', () => number(0));
    area.addEventListener('scroll', () => (gutter.scrollTop = area.scrollTop));
    const download = el('a', { download: source, dataset: { test: 'config-download' },
      href: URL.createObjectURL(new Blob([text], { type: 'text/plain' })) }, `Download ${source}`);
    let save = null;
    if (editable()) {
      save = admin(el('button', { type: 'button', class: 'primary', dataset: { test: 'config-save' } }, running() ? 'Save for next boot' : 'Save'));
      save.addEventListener('click', () => act(save, null, async () => {
        err.textContent = '';
        try {
          await redefine(area.value);
        } catch (e) {
          const at = errorLine(e.message, source);
          err.textContent = at ? `Line ${at.line}: ${e.message}` : e.message;
          if (at) {
            number(at.line);
            const lines = area.value.split('\n');
            const start = lines.slice(0, at.line - 1).reduce((n, l) => n + l.length + 1, 0);
            area.focus();
            area.setSelectionRange(start, start + (lines[at.line - 1] || '').length);
          }
        }
      }, app));
    }
    fill(view.text, el('h2', {}, 'Configuration (xm text)'),
      el('p', { class: 'muted' }, 'As xm list -l and the config-text export show it; passwords appear as XXXXXXXX and keep their stored value unless you type a new one.'),
      nextBootNote(),
      config.nextBoot ? el('details', {}, el('summary', {}, 'What it runs with now'), el('pre', { class: 'config', dataset: { test: 'config-running' } }, config.runningText)) : null,
      el('div', { class: 'config-editor' }, gutter, area), err,
      el('div', { class: 'toolbar' }, save, download));
  }
}
