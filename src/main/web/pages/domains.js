// The domain list: every domain with its state and live sparklines (CPU, memory, disk and network I/O), sorted
// and filtered as the user asks, with actions on one domain or on a selection. The list follows xend's event
// stream: any event re-reads /api/v1/domains, so a domain made with xm appears without a reload. Figures come
// from /api/v1/stats, read at the sampler's pace (every 5 s), seeded with the last minutes of CPU history.
import { drawSparkline, Series } from './widgets/sparkline.js';
import { isActive, showState } from './widgets/state.js';
import { ask } from './widgets/ask.js';

const POINTS = 60; // five minutes at the sampler's 5 s
const STATS_EVERY_MS = 5000;
const UP = (s) => s === 'RUNNING' || s === 'BLOCKED';

/** What each action is called, when it applies, how it is confirmed and what the row says while it runs. */
const ACTIONS = {
  start: { label: 'Run', when: (d) => d.state === 'SHUT_OFF', doing: 'starting' },
  pause: { label: 'Pause', when: (d) => UP(d.state), doing: 'pausing' },
  unpause: { label: 'Resume', when: (d) => d.state === 'PAUSED', doing: 'resuming' },
  shutdown: {
    label: 'Shut down', when: (d) => UP(d.state), doing: 'shutting down',
    confirm: (names) => `Shut down ${names}? Each guest is asked to power itself off.`,
  },
  reboot: {
    label: 'Reboot', when: (d) => UP(d.state), doing: 'rebooting',
    confirm: (names) => `Reboot ${names}? Each guest is asked to restart.`,
  },
  reset: {
    label: 'Reset', when: (d) => UP(d.state) || d.state === 'PAUSED', doing: 'resetting',
    confirm: (names) => `Reset ${names}? Like pressing the reset button: what the guest has not saved is lost.`,
  },
  destroy: {
    label: 'Force off', when: (d) => isActive(d.state), doing: 'forcing off',
    confirm: (names) => `Force ${names} off? Like pulling the power cable: what the guest has not saved is lost.`,
  },
  delete: { label: 'Delete', when: (d) => d.state === 'SHUT_OFF' && d.managed, doing: 'deleting' },
};
const ROW_ACTIONS = ['start', 'pause', 'unpause', 'shutdown', 'reboot', 'reset', 'destroy', 'delete'];
const BULK_ACTIONS = ['start', 'shutdown', 'destroy', 'pause'];

const COLUMNS = [
  { key: 'name', label: 'Name', value: (d) => d.name.toLowerCase() },
  { key: 'id', label: 'ID', value: (d) => (d.domid ?? Infinity) },
  { key: 'state', label: 'State', value: (d) => d.state },
  { key: 'cpu', label: 'CPU', value: (d, s) => s.cpu.last ?? -1, spark: true },
  { key: 'mem', label: 'Memory', value: (d) => d.memory, spark: true },
  { key: 'disk', label: 'Disk I/O', value: (d, s) => s.disk.last ?? -1, spark: true },
  { key: 'net', label: 'Net I/O', value: (d, s) => s.net.last ?? -1, spark: true },
  { key: 'vcpus', label: 'vCPUs', value: (d) => d.vcpus },
];

export function render(root, params, app) {
  const admin = app.isAdmin;
  const saved = JSON.parse(localStorage.getItem('vmhost.domains') || '{}');
  const view = {
    sort: saved.sort || 'name', desc: !!saved.desc, filter: '', states: 'all',
    sparklines: saved.sparklines !== false,
  };
  const domains = new Map(); // name → DomainInfo
  const rows = new Map(); // name → {tr, busy, error, series}
  const selected = new Set();
  let lastStats = null;
  let painted = false;
  let alive = true;

  root.innerHTML = `
    <div class="toolbar">
      <h1 style="margin:0 12px 0 0;font-size:20px">Domains</h1>
      <input type="search" placeholder="Filter by name" data-test="filter" aria-label="filter by name">
      <select data-test="state-filter" aria-label="filter by state">
        <option value="all">all states</option><option value="active">active</option><option value="inactive">shut off</option>
      </select>
      <label><input type="checkbox" data-test="sparklines-toggle"> sparklines</label>
      <span class="grow"></span>
      <span class="muted" data-test="count"></span>
    </div>
    <div class="toolbar" data-test="bulk-bar"></div>
    <table class="list" data-test="domain-list"><thead><tr></tr></thead><tbody></tbody></table>
    <p class="muted" data-test="empty" hidden>No domains. ${admin ? 'Make one with <a href="#/new" data-admin>New domain</a> or <code>xm create</code>.' : ''}</p>`;
  const $ = (sel) => root.querySelector(sel);
  const tbody = $('tbody');

  // --- header, filter, sort ---------------------------------------------------------------------------------
  const head = $('thead tr');
  if (admin) {
    const th = document.createElement('th');
    th.innerHTML = '<input type="checkbox" data-test="select-all" aria-label="select all shown">';
    head.append(th);
    th.firstChild.addEventListener('change', (e) => {
      visible().forEach((d) => (e.target.checked ? selected.add(d.name) : selected.delete(d.name)));
      refreshRows();
    });
  }
  for (const c of COLUMNS) {
    const th = document.createElement('th');
    th.textContent = c.label;
    th.className = 'sortable';
    th.dataset.col = c.key;
    th.dataset.test = `sort-${c.key}`;
    if (c.spark) th.classList.add('spark-col');
    th.addEventListener('click', () => {
      view.desc = view.sort === c.key ? !view.desc : false;
      view.sort = c.key;
      persist();
      refreshRows();
    });
    head.append(th);
  }
  head.append(Object.assign(document.createElement('th'), { textContent: admin ? 'Actions' : '' }));

  $('[data-test=filter]').addEventListener('input', (e) => {
    view.filter = e.target.value.trim().toLowerCase();
    refreshRows();
  });
  $('[data-test=state-filter]').addEventListener('change', (e) => {
    view.states = e.target.value;
    refreshRows();
  });
  const sparkToggle = $('[data-test=sparklines-toggle]');
  sparkToggle.checked = view.sparklines;
  sparkToggle.addEventListener('change', () => {
    view.sparklines = sparkToggle.checked;
    persist();
    refreshRows();
  });

  function persist() {
    localStorage.setItem('vmhost.domains', JSON.stringify({ sort: view.sort, desc: view.desc, sparklines: view.sparklines }));
  }

  function visible() {
    const col = COLUMNS.find((c) => c.key === view.sort) || COLUMNS[0];
    return [...domains.values()]
      .filter((d) => !view.filter || d.name.toLowerCase().includes(view.filter))
      .filter((d) => view.states === 'all' || (view.states === 'active') === isActive(d.state))
      .sort((a, b) => {
        const x = col.value(a, rows.get(a.name).series);
        const y = col.value(b, rows.get(b.name).series);
        const order = x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name);
        return view.desc ? -order : order;
      });
  }

  // --- bulk actions -------------------------------------------------------------------------------------------
  const bulk = $('[data-test=bulk-bar]');
  const bulkStatus = document.createElement('span');
  bulkStatus.className = 'progress';
  bulkStatus.dataset.test = 'bulk-status';
  if (admin) {
    bulk.append(Object.assign(document.createElement('span'), { className: 'muted', textContent: 'Selected:' }));
    for (const action of BULK_ACTIONS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = ACTIONS[action].label;
      b.dataset.admin = '';
      b.dataset.test = `bulk-${action}`;
      if (action === 'destroy') b.className = 'danger';
      b.addEventListener('click', () => runBulk(action));
      bulk.append(b);
    }
    bulk.append(bulkStatus);
  } else {
    bulk.hidden = true;
  }

  async function runBulk(action) {
    const a = ACTIONS[action];
    const targets = [...selected].map((n) => domains.get(n)).filter((d) => d && a.when(d));
    if (targets.length === 0) {
      bulkStatus.textContent = `No selected domain can be told to ${a.label.toLowerCase()}.`;
      return;
    }
    const names = targets.map((d) => d.name).join(', ');
    if (a.confirm && !(await app.confirm(a.confirm(`${targets.length} domain${targets.length > 1 ? 's' : ''} (${names})`), a.label)))
      return;
    bulk.classList.add('busy');
    let done = 0;
    const failed = [];
    bulkStatus.textContent = `${a.label}: 0 of ${targets.length} done`;
    await Promise.all(targets.map(async (d) => {
      const ok = await act(d.name, action);
      done++;
      if (!ok) failed.push(d.name);
      bulkStatus.textContent = `${a.label}: ${done} of ${targets.length} done`;
    }));
    bulk.classList.remove('busy');
    bulkStatus.textContent = failed.length
      ? `${a.label}: ${failed.length} of ${targets.length} failed (${failed.join(', ')}); the reasons are in their rows.`
      : `${a.label}: ${targets.length} domain${targets.length > 1 ? 's' : ''} done.`;
    bulkStatus.classList.toggle('error', failed.length > 0);
  }

  // --- one action on one domain, its progress and failure in its row --------------------------------------------
  async function act(name, action) {
    const row = rows.get(name);
    if (!row) return false;
    row.busy = ACTIONS[action].doing;
    row.error = null;
    updateRow(name);
    try {
      if (action === 'delete') await deleteDomain(name, row.deleteImages);
      else await app.api('POST', app.path('domains', name, action), {});
      return true;
    } catch (e) {
      row.error = `${ACTIONS[action].label} failed: ${e.message}`;
      return false;
    } finally {
      row.busy = null;
      if (rows.has(name)) updateRow(name);
      scheduleReload();
    }
  }

  async function clickAction(name, action) {
    const a = ACTIONS[action];
    const d = domains.get(name);
    if (action === 'delete') {
      const images = diskImages(d.configText || '');
      const answer = await ask(`Delete the domain ${name}? Its definition is removed.`, {
        ok: 'Delete',
        option: images.length ? `Also delete its disk image${images.length > 1 ? 's' : ''}: ${images.join(', ')}` : null,
      });
      if (!answer) return;
      rows.get(name).deleteImages = answer.option ? images : [];
    } else if (a.confirm && !(await app.confirm(a.confirm(name), a.label))) {
      return;
    }
    await act(name, action);
  }

  // One call: xend checks every image first and deletes the definition and the images together, or nothing
  // (an image another domain also uses, or that is not in one of its pools, refuses the whole delete).
  async function deleteDomain(name, images) {
    await app.api('DELETE', app.path('domains', name) + (images && images.length ? '?images=true' : ''));
  }

  // --- rows -------------------------------------------------------------------------------------------------------
  function makeRow(name) {
    const tr = document.createElement('tr');
    tr.dataset.test = `row-${name}`;
    tr.dataset.name = name;
    if (admin) {
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.dataset.test = `select-${name}`;
      box.setAttribute('aria-label', `select ${name}`);
      box.addEventListener('change', () => {
        if (box.checked) selected.add(name);
        else selected.delete(name);
        tr.classList.toggle('selected', box.checked);
      });
      tr.append(cell(box));
    }
    const link = document.createElement('a');
    link.href = `#/domain/${encodeURIComponent(name)}`;
    link.textContent = name;
    link.dataset.test = `link-${name}`;
    tr.append(cell(link));
    tr.append(cell(null, 'num', `id-${name}`));
    const state = document.createElement('span');
    state.dataset.test = `state-${name}`;
    tr.append(cell(state));
    for (const key of ['cpu', 'mem', 'disk', 'net']) {
      const td = cell(null, 'spark', `${key}-${name}`);
      td.innerHTML = '<canvas class="spark"></canvas> <span class="muted"></span>';
      tr.append(td);
    }
    tr.append(cell(null, 'num', `vcpus-${name}`));
    const actions = cell(null, '', `actions-${name}`);
    actions.innerHTML = '<div class="actions"></div><span class="progress"></span><span class="inline-error"></span>';
    actions.querySelector('.progress').dataset.test = `progress-${name}`;
    actions.querySelector('.inline-error').dataset.test = `error-${name}`;
    tr.append(actions);
    const series = { cpu: new Series(POINTS), mem: new Series(POINTS), disk: new Series(POINTS), net: new Series(POINTS) };
    rows.set(name, { tr, busy: null, error: null, series, shownActions: '' });
    return tr;
  }

  function cell(child, cls = '', test = null) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    if (test) td.dataset.test = test;
    if (child) td.append(child);
    return td;
  }

  function updateRow(name) {
    const d = domains.get(name);
    const row = rows.get(name);
    const tr = row.tr;
    const q = (t) => tr.querySelector(`[data-test="${t}-${CSS.escape(name)}"]`);
    q('id').textContent = d.domid ?? '-';
    showState(q('state'), d.state);
    q('vcpus').textContent = d.vcpus;
    const s = row.series;
    const figures = {
      cpu: s.cpu.last === null ? '' : `${s.cpu.last.toFixed(0)}%`,
      mem: `${d.memory} MiB`,
      disk: s.disk.last === null ? '' : rate(s.disk.last),
      net: s.net.last === null ? '' : rate(s.net.last),
    };
    for (const key of ['cpu', 'mem', 'disk', 'net']) {
      const td = q(key);
      const canvas = td.querySelector('canvas');
      canvas.hidden = !view.sparklines;
      if (view.sparklines) drawSparkline(canvas, s[key].values, key === 'cpu' ? { max: 100 } : {});
      td.querySelector('span').textContent = figures[key];
      td.dataset.points = s[key].values.filter((v) => v !== null).length;
    }
    if (admin) {
      const box = q('select');
      box.checked = selected.has(name);
      tr.classList.toggle('selected', box.checked);
      const div = q('actions').querySelector('.actions');
      const wanted = ROW_ACTIONS.filter((a) => ACTIONS[a].when(d));
      const consoles = isActive(d.state) ? ['serial', 'vnc'] : [];
      const key = [...wanted, ...consoles].join(',');
      if (row.shownActions !== key) {
        row.shownActions = key;
        div.replaceChildren();
        for (const a of wanted) {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = ACTIONS[a].label;
          b.dataset.admin = '';
          b.dataset.test = `action-${name}-${a}`;
          if (a === 'destroy' || a === 'delete') b.className = 'danger';
          b.addEventListener('click', () => clickAction(name, a));
          div.append(b);
        }
        for (const c of consoles) { // consoles take keystrokes into the guest: administrators only, as on the server
          const link = document.createElement('a');
          link.href = `#/domain/${encodeURIComponent(name)}/${c}`;
          link.textContent = c === 'serial' ? 'Console' : 'Display';
          link.dataset.admin = '';
          link.dataset.test = `open-${c}-${name}`;
          div.append(link);
        }
      }
      div.classList.toggle('busy', !!row.busy);
      q('progress').textContent = row.busy ? `${row.busy}…` : '';
      q('error').textContent = row.error || d.error?.toString() || '';
    } else {
      q('error').textContent = d.error || '';
    }
  }

  function refreshRows() {
    const shown = visible();
    const order = shown.map((d) => rows.get(d.name).tr);
    const now = [...tbody.children];
    if (order.length !== now.length || order.some((tr, i) => tr !== now[i])) tbody.replaceChildren(...order);
    for (const d of shown) updateRow(d.name);
    head.querySelectorAll('th[data-col]').forEach((th) => {
      th.classList.toggle('sorted-asc', th.dataset.col === view.sort && !view.desc);
      th.classList.toggle('sorted-desc', th.dataset.col === view.sort && view.desc);
    });
    $('[data-test=count]').textContent = `${shown.length} of ${domains.size} domain${domains.size === 1 ? '' : 's'}`;
    $('[data-test=empty]').hidden = domains.size > 0;
  }

  // --- data: the list, on every event; the figures, every 5 s ------------------------------------------------------
  let reloading = null;
  let again = false;
  async function reload() {
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        again = false;
        try {
          const list = await app.api('GET', app.path('domains'));
          if (!alive) return;
          apply(list.domains.filter((d) => d.name !== 'Domain-0'));
        } catch (e) {
          if (alive) app.toast(`Cannot read the domain list: ${e.message}`, 'error');
        }
      } while (again && alive);
    })();
    try {
      await reloading;
    } finally {
      reloading = null;
    }
  }

  let timer = null;
  function scheduleReload() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      reload();
    }, 30);
  }

  function apply(list) {
    const names = new Set(list.map((d) => d.name));
    for (const name of [...domains.keys()]) {
      if (!names.has(name)) {
        domains.delete(name);
        rows.get(name).tr.remove();
        rows.delete(name);
        selected.delete(name);
      }
    }
    const fresh = [];
    for (const d of list) {
      if (!rows.has(d.name)) {
        makeRow(d.name);
        fresh.push(d);
      }
      domains.set(d.name, d);
    }
    refreshRows();
    if (!painted) {
      painted = true;
      requestAnimationFrame(() => {
        performance.mark('vmhost:domains-painted');
        root.dataset.painted = 'true';
      });
    }
    seedHistory(fresh.filter((d) => isActive(d.state)));
  }

  /** The last minutes of CPU, so that a sparkline has a past as soon as the page opens. */
  async function seedHistory(list) {
    if (!view.sparklines) return;
    await Promise.all(list.map(async (d) => {
      try {
        const h = await app.api('GET', `${app.path('domains', d.name, 'history')}?metric=cpu`);
        const row = rows.get(d.name);
        if (!row || !alive) return;
        const points = h.points.slice(-POINTS).map((p) => p.value);
        row.series.cpu.values = [...new Array(POINTS - points.length).fill(null), ...points];
        updateRow(d.name);
      } catch {
        // a domain without a sample yet has no history: its line starts with the next sample
      }
    }));
  }

  async function readStats() {
    let report;
    try {
      report = await app.api('GET', app.path('stats'));
    } catch {
      return; // the next tick tries again; the list itself still follows the events
    }
    if (!alive) return;
    const seconds = lastStats ? (Date.parse(report.time) - Date.parse(lastStats.time)) / 1000 : 0;
    const before = new Map((lastStats?.domains || []).map((s) => [s.name, s]));
    const now = new Map(report.domains.map((s) => [s.name, s]));
    for (const [name, row] of rows) {
      const s = now.get(name);
      const p = before.get(name);
      row.series.cpu.push(s ? s.cpuPercent : null);
      row.series.mem.push(s ? s.memoryKib / 1024 : null);
      const ok = s && p && seconds > 0;
      row.series.disk.push(ok ? Math.max(0, (s.vbdReadBytes + s.vbdWriteBytes - p.vbdReadBytes - p.vbdWriteBytes) / seconds) : null);
      row.series.net.push(ok ? Math.max(0, (s.netTxKib + s.netRxKib - p.netTxKib - p.netRxKib) * 1024 / seconds) : null);
    }
    lastStats = report;
    refreshRows();
  }

  const unsubscribe = app.events.subscribe(() => scheduleReload());
  reload().then(readStats);
  const statsTimer = setInterval(readStats, STATS_EVERY_MS);
  return () => {
    alive = false;
    unsubscribe();
    clearInterval(statsTimer);
    clearTimeout(timer);
  };
}

/** Bytes per second as people read them. */
function rate(bytesPerSecond) {
  if (bytesPerSecond < 1024) return `${bytesPerSecond.toFixed(0)} B/s`;
  if (bytesPerSecond < 1024 * 1024) return `${(bytesPerSecond / 1024).toFixed(0)} KiB/s`;
  return `${(bytesPerSecond / 1024 / 1024).toFixed(1)} MiB/s`;
}

/**
 * The image files a domain writes, from its configuration's disk list ('UNAME,DEV,MODE'): files only, not
 * CD-ROMs, not disks it only reads (a shared base image), not block devices.
 */
export function diskImages(configText) {
  const list = /^\s*disk\s*=\s*\[([^\]]*)\]/m.exec(configText);
  if (!list) return [];
  const files = [];
  for (const m of list[1].matchAll(/['"]([^'"]+)['"]/g)) {
    const [uname, dev = '', mode = 'w'] = m[1].split(',').map((x) => x.trim());
    if (dev.endsWith(':cdrom') || !mode.startsWith('w')) continue;
    const file = /^(?:file:|tap:(?:tapdisk:)?[a-z0-9]+:|tap2:[a-z0-9]+:|qcow2:|raw:)(\/.+)$/.exec(uname);
    if (file) files.push(file[1]);
  }
  return files;
}
