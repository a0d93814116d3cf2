// The new-domain wizard (#/new): hvm from an ISO, hvm importing an existing disk, or pv with direct kernel boot.
// It writes an ordinary xm configuration and hands it to xend as `xm new` would (POST /domains, start false), so
// xend checks it with the same service and the same errors; a new disk is made in a pool only once the
// definition is accepted, and the definition is taken back if the disk cannot be made.
import { act, admin, fill, bytes, el, errorLine, field, gutterLines, quote } from './forms.js';

const KINDS = {
  'hvm-iso': 'HVM: install from an ISO image',
  'hvm-import': 'HVM: boot an existing disk image',
  pv: 'PV: direct kernel boot (kernel, ramdisk, arguments)',
};

export function render(root, params, app) {
  if (!app.isAdmin) {
    root.append(el('p', { class: 'muted', dataset: { test: 'wizard-viewer' } }, 'Only an administrator can create domains.'));
    return null;
  }
  const state = {
    step: 0, name: '', kind: 'pv', iso: '', importDisk: '', kernel: '', ramdisk: '', extra: 'console=ttyS0',
    memory: 256, vcpus: 1, disk: 'new', pool: '', diskName: '', diskSize: 4, diskFormat: 'qcow2', existingDisk: '',
    networks: [], start: true,
  };
  const data = { pools: [], images: {}, networks: [] };
  let alive = true;

  const body = el('div', { class: 'wizard-body' });
  const error = el('p', { class: 'inline-error', dataset: { test: 'wizard-error' } });
  const back = el('button', { type: 'button', dataset: { test: 'wizard-back' }, onclick: () => go(state.step - 1) }, 'Back');
  const next = admin(el('button', { type: 'button', class: 'primary', dataset: { test: 'wizard-next' }, onclick: onNext }, 'Next'));
  const steps = ['Name and kind', 'Boot', 'Memory and CPUs', 'Storage and network', 'Review'];
  const crumbs = el('ol', { class: 'wizard-steps' }, steps.map((s, i) => el('li', { dataset: { step: String(i) } }, s)));
  root.append(el('section', { class: 'panel wizard', dataset: { test: 'wizard' } },
    el('h2', {}, 'New domain'), crumbs, body, error, el('div', { class: 'toolbar' }, back, el('span', { class: 'grow' }), next)));

  load().then(() => alive && go(0));
  return () => {
    alive = false;
  };

  async function load() {
    try {
      const [pools, nets] = await Promise.all([app.api('GET', app.path('pools')), app.api('GET', app.path('networks'))]);
      data.pools = pools.pools.map((p) => p.path);
      data.networks = nets.networks;
      state.pool = data.pools[0] || '';
      for (const pool of data.pools) {
        try {
          data.images[pool] = (await app.api('GET', `${app.path('images')}?pool=${encodeURIComponent(pool)}`)).images;
        } catch (e) {
          data.images[pool] = [];
        }
      }
    } catch (e) {
      error.textContent = e.message;
    }
  }

  function allImages() {
    return data.pools.flatMap((p) => (data.images[p] || []).map((i) => ({ ...i, pool: p })));
  }

  /** A path input with every image of every pool offered (kernels and ISOs live in pools too). */
  function pathInput(test, value, onchange) {
    const listId = `wizard-files-${test}`;
    const input = el('input', { type: 'text', size: 60, value, dataset: { test }, list: listId, oninput: (e) => onchange(e.target.value) });
    return [input, el('datalist', { id: listId }, allImages().map((i) => el('option', { value: i.path }, `${i.name} (${i.format})`)))];
  }

  function go(step) {
    if (step < 0) return;
    state.step = step;
    error.textContent = '';
    crumbs.querySelectorAll('li').forEach((li) => li.classList.toggle('current', Number(li.dataset.step) === step));
    back.disabled = step === 0;
    next.textContent = step === steps.length - 1 ? 'Create' : 'Next';
    next.dataset.test = step === steps.length - 1 ? 'wizard-create' : 'wizard-next';
    fill(body, ...[page0, page1, page2, page3, page4][step]());
  }

  function page0() {
    return [
      field('Name', el('input', { type: 'text', value: state.name, dataset: { test: 'wizard-name' }, required: true,
        oninput: (e) => (state.name = e.target.value.trim()) })),
      el('fieldset', {}, el('legend', {}, 'Kind'), Object.entries(KINDS).map(([k, label]) =>
        el('label', { class: 'choice' }, el('input', { type: 'radio', name: 'kind', value: k, checked: state.kind === k,
          dataset: { test: `wizard-kind-${k}` }, onchange: () => (state.kind = k) }), ` ${label}`))),
    ];
  }

  function page1() {
    if (state.kind === 'hvm-iso') {
      return [field('ISO image', pathInput('wizard-iso', state.iso, (v) => (state.iso = v)), 'an image in a storage pool, or a path on the host')];
    }
    if (state.kind === 'hvm-import') {
      return [field('Disk image to boot', pathInput('wizard-import', state.importDisk, (v) => (state.importDisk = v)))];
    }
    return [
      field('Kernel', pathInput('wizard-kernel', state.kernel, (v) => (state.kernel = v))),
      field('Ramdisk (initramfs)', pathInput('wizard-ramdisk', state.ramdisk, (v) => (state.ramdisk = v)), 'optional'),
      field('Kernel arguments', el('input', { type: 'text', size: 60, value: state.extra, dataset: { test: 'wizard-extra' },
        oninput: (e) => (state.extra = e.target.value) })),
    ];
  }

  function page2() {
    return [
      field('Memory (MiB)', el('input', { type: 'number', min: 16, step: 16, value: String(state.memory), dataset: { test: 'wizard-memory' },
        oninput: (e) => (state.memory = Number(e.target.value)) })),
      field('Virtual CPUs', el('input', { type: 'number', min: 1, max: 64, value: String(state.vcpus), dataset: { test: 'wizard-vcpus' },
        oninput: (e) => (state.vcpus = Number(e.target.value)) })),
    ];
  }

  function page3() {
    if (!state.diskName) state.diskName = `${state.name}-disk.${state.diskFormat}`;
    const imported = state.kind === 'hvm-import';
    const diskChoices = imported ? [] : [
      el('label', { class: 'choice' }, el('input', { type: 'radio', name: 'disk', checked: state.disk === 'new', dataset: { test: 'wizard-disk-new' },
        onchange: () => (state.disk = 'new') }), ' a new disk in pool '),
      el('select', { dataset: { test: 'wizard-pool' }, onchange: (e) => (state.pool = e.target.value) },
        data.pools.map((p) => el('option', { value: p, selected: p === state.pool }, p))),
      el('input', { type: 'text', value: state.diskName, dataset: { test: 'wizard-disk-name' }, oninput: (e) => (state.diskName = e.target.value) }),
      el('select', { dataset: { test: 'wizard-disk-format' }, onchange: (e) => (state.diskFormat = e.target.value) },
        ['qcow2', 'raw'].map((f) => el('option', { value: f, selected: f === state.diskFormat }, f))),
      el('input', { type: 'number', min: 1, value: String(state.diskSize), dataset: { test: 'wizard-disk-size' },
        oninput: (e) => (state.diskSize = Number(e.target.value)) }), ' GiB',
      el('br'),
      el('label', { class: 'choice' }, el('input', { type: 'radio', name: 'disk', checked: state.disk === 'existing', dataset: { test: 'wizard-disk-existing' },
        onchange: () => (state.disk = 'existing') }), ' an existing image '),
      el('select', { dataset: { test: 'wizard-existing-disk' }, onchange: (e) => (state.existingDisk = e.target.value) },
        el('option', { value: '' }, '(choose)'),
        allImages().map((i) => el('option', { value: i.path, selected: i.path === state.existingDisk }, `${i.name} — ${i.format}, ${bytes(i.virtualSize)} (${i.pool})`))),
      el('br'),
      el('label', { class: 'choice' }, el('input', { type: 'radio', name: 'disk', checked: state.disk === 'none', dataset: { test: 'wizard-disk-none' },
        onchange: () => (state.disk = 'none') }), ' no disk'),
    ];
    return [
      el('fieldset', {}, el('legend', {}, 'Disk'), imported ? el('p', {}, `The imported disk: ${state.importDisk}`) : diskChoices),
      el('fieldset', { dataset: { test: 'wizard-networks' } }, el('legend', {}, 'Networks'),
        data.networks.length === 0 ? el('p', { class: 'muted' }, 'xend keeps no networks; the domain gets no NIC (create one on the Networks page).') : null,
        data.networks.map((n) => el('label', { class: 'choice' }, el('input', { type: 'checkbox', checked: state.networks.includes(n.bridge),
          dataset: { test: `wizard-net-${n.name}` },
          onchange: (e) => (state.networks = e.target.checked ? [...state.networks, n.bridge] : state.networks.filter((b) => b !== n.bridge)) }),
        ` ${n.name} (${n.type}, bridge ${n.bridge})`))),
    ];
  }

  function page4() {
    const text = configText();
    const gutter = gutterLines(el('pre', { class: 'gutter', dataset: { test: 'wizard-gutter' } }), text);
    return [
      el('p', {}, 'xend receives this configuration, as from xm new:'),
      el('div', { class: 'config-editor' }, gutter, el('pre', { class: 'config', dataset: { test: 'wizard-config' } }, text)),
      el('label', { class: 'choice' }, el('input', { type: 'checkbox', checked: state.start, dataset: { test: 'wizard-start' },
        onchange: (e) => (state.start = e.target.checked) }), ' start it once created'),
    ];
  }

  function newDiskPath() {
    return `${state.pool.replace(/\/$/, '')}/${state.diskName}`;
  }

  /** The xm configuration of what the user chose. */
  function configText() {
    const lines = ['# made by the vmhost web GUI\'s new-domain wizard', `name = ${quote(state.name)}`];
    const hvm = state.kind !== 'pv';
    lines.push(hvm ? 'builder = "hvm"' : 'type = "pv"');
    lines.push(`memory = ${state.memory}`, `vcpus = ${state.vcpus}`);
    if (!hvm) {
      lines.push(`kernel = ${quote(state.kernel)}`);
      if (state.ramdisk) lines.push(`ramdisk = ${quote(state.ramdisk)}`);
      if (state.extra) lines.push(`extra = ${quote(state.extra)}`);
    }
    const disks = [];
    const dev = hvm ? 'hda' : 'xvda';
    const prefix = (path, format) => (format === 'qcow2' ? `tap:qcow2:${path}` : `file:${path}`);
    const formatOf = (path) => (allImages().find((i) => i.path === path) || { format: /\.qcow2$/.test(path) ? 'qcow2' : 'raw' }).format;
    if (state.kind === 'hvm-import') disks.push(`${prefix(state.importDisk, formatOf(state.importDisk))},${dev},w`);
    else if (state.disk === 'new') disks.push(`${prefix(newDiskPath(), state.diskFormat)},${dev},w`);
    else if (state.disk === 'existing' && state.existingDisk) disks.push(`${prefix(state.existingDisk, formatOf(state.existingDisk))},${dev},w`);
    if (state.kind === 'hvm-iso') disks.push(`file:${state.iso},hdc:cdrom,r`);
    if (disks.length) lines.push(`disk = [ ${disks.map((d) => `'${d}'`).join(', ')} ]`);
    if (state.networks.length) lines.push(`vif = [ ${state.networks.map((b) => `'bridge=${b}'`).join(', ')} ]`);
    if (hvm) {
      lines.push(`boot = "${state.kind === 'hvm-iso' ? 'dc' : 'c'}"`, 'serial = "pty"', 'vnc = 1');
    }
    return `${lines.join('\n')}\n`;
  }

  /** What the browser can tell before xend does; everything else xend checks, as for xm new. */
  function check(step) {
    if (step === 0 && !state.name) return 'Give the domain a name.';
    if (step === 1 && state.kind === 'hvm-iso' && !state.iso) return 'Choose the ISO image to install from.';
    if (step === 1 && state.kind === 'hvm-import' && !state.importDisk) return 'Choose the disk image to boot.';
    if (step === 1 && state.kind === 'pv' && !state.kernel) return 'A pv domain needs a kernel to boot.';
    if (step === 1 && [state.iso, state.importDisk].some((p) => p.includes(',') || p.includes("'"))) return 'A disk path must not contain a comma or a quote.';
    if (step === 3 && state.disk === 'existing' && !state.existingDisk && state.kind !== 'hvm-import') return 'Choose the existing image.';
    if (step === 3 && state.disk === 'new' && !(state.diskSize > 0)) return 'Give the new disk a size.';
    return '';
  }

  async function onNext() {
    const problem = check(state.step);
    if (problem) {
      error.textContent = problem;
      return;
    }
    if (state.step < steps.length - 1) {
      go(state.step + 1);
      return;
    }
    await act(next, error, create, app);
  }

  async function create() {
    const name = state.name;
    const source = `${name}.cfg`;
    const text = configText();
    try {
      await app.api('POST', app.path('domains'), { sourceName: source, configText: text, start: false });
    } catch (e) {
      const at = errorLine(e.message, source);
      if (at) body.querySelectorAll('[data-test=wizard-gutter]').forEach((g) => gutterLines(g, text, at.line));
      throw e;
    }
    if (state.kind !== 'hvm-import' && state.disk === 'new') {
      try {
        await app.api('POST', app.path('images'), { pool: state.pool, name: state.diskName, format: state.diskFormat,
          size: Math.round(state.diskSize * 1024 * 1024 * 1024) });
      } catch (e) {
        await app.api('DELETE', app.path('domains', name)).catch(() => {}); // nothing half-made is left
        throw new Error(`the disk could not be made, so domain '${name}' was not kept: ${e.message}`);
      }
    }
    if (state.start) {
      try {
        await app.api('POST', app.path('domains', name, 'start'), {});
      } catch (e) {
        app.toast(`Domain '${name}' was created, but did not start: ${e.message}`, 'error');
      }
    }
    app.toast(`Domain '${name}' created${state.start ? ' and started' : ''}.`);
    app.navigate(`#/domain/${encodeURIComponent(name)}`);
  }
}
