// The host overview: what `xm info` says (the same numbers, from /api/v1/host), the accelerator and why it was
// chosen, CPU and memory graphs (the last ten minutes of the monitor's history, then each new sample), the
// storage pool's images and the networks. Read again on every event, so a new network or image shows at once.
import { timeChart } from './widgets/chart.js';

const STATS_EVERY_MS = 5000;

export function render(root, params, app) {
  root.innerHTML = `
    <h1 style="font-size:20px;margin:0 0 12px">Host</h1>
    <div class="grid">
      <section class="panel" data-test="host-info"><h2>This host</h2><dl class="facts"></dl></section>
      <section class="panel" data-test="host-accelerator"><h2>Accelerator</h2>
        <p><strong data-test="accelerator"></strong></p><p class="muted" data-test="accelerator-reason"></p>
        <h2>Guests' confinement</h2><p class="muted" data-test="confinement"></p></section>
      <section class="panel"><h2>CPU <span class="muted" data-test="host-cpu-now"></span></h2><div data-test="host-cpu-chart"></div></section>
      <section class="panel"><h2>Memory in use <span class="muted" data-test="host-mem-now"></span></h2><div data-test="host-mem-chart"></div></section>
      <section class="panel" data-test="host-storage"><h2>Storage pool</h2><table class="list"><thead><tr>
        <th>Image</th><th>Format</th><th>Size</th><th>On disk</th></tr></thead><tbody></tbody></table></section>
      <section class="panel" data-test="host-networks"><h2>Networks</h2><p class="muted" data-test="networking"></p>
        <table class="list"><thead><tr><th>Name</th><th>Type</th><th>Bridge</th><th>Subnet</th><th>Active</th><th>Ports</th>
        </tr></thead><tbody></tbody></table></section>
    </div>`;
  const $ = (t) => root.querySelector(`[data-test=${t}]`);
  let alive = true;
  let info = null;
  const cpu = timeChart($('host-cpu-chart'), { label: 'CPU', unit: '%', max: 100 });
  const mem = timeChart($('host-mem-chart'), { label: 'memory', unit: 'MiB', color: '#1e7d32' });

  function fact(dl, label, value, test) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    dd.dataset.test = `info-${test}`;
    dl.append(dt, dd);
  }

  async function readInfo() {
    try {
      info = await app.api('GET', app.path('host'));
    } catch (e) {
      app.toast(`Cannot read the host: ${e.message}`, 'error');
      return;
    }
    if (!alive) return;
    const dl = root.querySelector('dl.facts');
    dl.replaceChildren();
    // the names and units of `xm info`
    fact(dl, 'host', info.hostname, 'host');
    fact(dl, 'release', info.release, 'release');
    fact(dl, 'machine', info.machine, 'machine');
    fact(dl, 'nr_cpus', info.cpus, 'nr_cpus');
    fact(dl, 'cpu_mhz', Math.round(info.cpuMhz), 'cpu_mhz');
    fact(dl, 'total_memory', `${info.totalMemory} MiB`, 'total_memory');
    fact(dl, 'free_memory', `${info.freeMemory} MiB`, 'free_memory');
    fact(dl, 'qemu', info.qemuVersion, 'qemu');
    fact(dl, 'xend_version', info.xendVersion, 'xend_version');
    fact(dl, 'uptime', duration(info.uptimeSeconds), 'uptime');
    $('accelerator').textContent = info.accelerator.toUpperCase();
    $('accelerator-reason').textContent = info.acceleratorReason;
    $('confinement').textContent = info.confinement;
    $('networking').textContent = info.networking;
  }

  async function readStorageAndNetworks() {
    const [images, networks] = await Promise.allSettled([
      app.api('GET', app.path('images')), app.api('GET', app.path('networks'))]);
    if (!alive) return;
    const imageBody = root.querySelector('[data-test=host-storage] tbody');
    if (images.status === 'fulfilled') {
      imageBody.replaceChildren(...images.value.images.map((i) => tr([i.name, i.format, bytes(i.virtualSize), bytes(i.actualSize)])));
      if (!images.value.images.length) imageBody.append(tr(['no images yet']));
    } else {
      imageBody.replaceChildren(tr([images.reason.message]));
    }
    const netBody = root.querySelector('[data-test=host-networks] tbody');
    if (networks.status === 'fulfilled') {
      netBody.replaceChildren(...networks.value.networks.map((n) =>
        tr([n.name, n.type, n.bridge, n.subnet || '', n.active ? 'yes' : 'no', String(n.taps.length)])));
      if (!networks.value.networks.length) netBody.append(tr(['no networks made with xm network-create']));
    } else {
      netBody.replaceChildren(tr([networks.reason.message]));
    }
  }

  async function readHistory() {
    const get = (metric) => app.api('GET', `${app.path('host', 'history')}?metric=${metric}`).catch(() => ({ points: [] }));
    const [c, total, free] = await Promise.all([get('cpu'), get('memory_total_kib'), get('memory_free_kib')]);
    if (!alive) return;
    const t = (p) => Date.parse(p.time) / 1000;
    cpu.set(c.points.map((p) => [t(p), p.value]));
    const totals = new Map(total.points.map((p) => [p.time, p.value]));
    mem.set(free.points.filter((p) => totals.has(p.time)).map((p) => [t(p), (totals.get(p.time) - p.value) / 1024]));
  }

  async function readStats() {
    let s;
    try {
      s = await app.api('GET', app.path('stats'));
    } catch {
      return;
    }
    if (!alive) return;
    const time = Date.parse(s.time) / 1000;
    const used = (s.host.totalKib - s.host.freeKib) / 1024;
    cpu.push(time, s.host.cpuPercent);
    mem.push(time, used);
    $('host-cpu-now').textContent = `${s.host.cpuPercent.toFixed(0)}% of ${s.host.cpus} CPUs`;
    $('host-mem-now').textContent = `${used.toFixed(0)} of ${(s.host.totalKib / 1024).toFixed(0)} MiB`;
  }

  readInfo();
  readStorageAndNetworks();
  readHistory().then(readStats);
  const timer = setInterval(readStats, STATS_EVERY_MS);
  let pending = null;
  const unsubscribe = app.events.subscribe(() => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      readInfo();
      readStorageAndNetworks();
    }, 200);
  });
  return () => {
    alive = false;
    clearInterval(timer);
    clearTimeout(pending);
    unsubscribe();
    cpu.destroy();
    mem.destroy();
  };
}

function tr(cells) {
  const row = document.createElement('tr');
  for (const c of cells) row.append(Object.assign(document.createElement('td'), { textContent: c }));
  return row;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function duration(seconds) {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${d ? `${d} d ` : ''}${h} h ${m} min`;
}
