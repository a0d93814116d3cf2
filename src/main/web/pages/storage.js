// Storage (#/storage): the images of each storage pool (xend's own and xend.conf's image_pools), and, for an
// administrator, creating, cloning (full or linked), resizing and deleting them: xm image-* over the API.
import { act, admin, fill, refill, bytes, el, field } from './forms.js';

const GIB = 1024 * 1024 * 1024;

export function render(root, params, app) {
  let alive = true;
  let pool = '';
  let shown = null; // the images drawn last: a redraw with the same ones would wipe what the user is typing
  const select = el('select', { dataset: { test: 'pool-select' }, onchange: (e) => { pool = e.target.value; draw(); } });
  const table = el('div', { dataset: { test: 'image-table' } });
  const err = el('p', { class: 'inline-error', dataset: { test: 'storage-error' } });
  const parts = [el('div', { class: 'toolbar' }, el('h2', {}, 'Storage pool '), select), table, err];
  if (app.isAdmin) parts.push(createForm());
  root.append(el('section', { class: 'panel', dataset: { test: 'storage' } }, parts));
  const unsubscribe = app.events.subscribe((e) => {
    if (e.kind === 'reconnected' || String(e.kind).startsWith('image-')) draw();
  });
  start();
  return () => {
    alive = false;
    unsubscribe();
  };

  async function start() {
    try {
      const pools = (await app.api('GET', app.path('pools'))).pools;
      pool = pools[0]?.path || '';
      fill(select, ...pools.map((p) => el('option', { value: p.path }, p.own ? `${p.path} (xend's own)` : p.path)));
      await draw();
    } catch (e) {
      err.textContent = e.message;
    }
  }

  function imagesPath(...rest) {
    return `${app.path('images', ...rest)}?pool=${encodeURIComponent(pool)}`;
  }

  async function draw() {
    let images;
    try {
      images = (await app.api('GET', imagesPath())).images;
    } catch (e) {
      if (alive) err.textContent = e.message;
      return;
    }
    if (!alive) return;
    const key = JSON.stringify([pool, images]);
    if (key === shown) return;
    shown = key;
    const head = el('tr', {}, ['Name', 'Format', 'Size', 'On disk', 'Backing image', ''].map((h) => el('th', {}, h)));
    refill(table, el('table', { class: 'list' }, head, images.map(row)),
      images.length ? null : el('p', { class: 'muted', dataset: { test: 'no-images' } }, 'No images in this pool.'));
  }

  function row(image) {
    const controls = [];
    if (app.isAdmin) {
      const cloneName = admin(el('input', { type: 'text', size: 16, placeholder: 'new name', dataset: { test: `clone-name-${image.name}` } }));
      const linked = admin(el('input', { type: 'checkbox', dataset: { test: `clone-linked-${image.name}` } }));
      const clone = admin(el('button', { type: 'button', dataset: { test: `clone-${image.name}` } }, 'Clone'));
      clone.addEventListener('click', () => act(clone, err, async () => {
        await app.api('POST', app.path('images', image.name, 'clone'), { pool, name: cloneName.value, linked: linked.checked });
        await draw();
      }, app));
      const size = admin(el('input', { type: 'number', min: 0.001, step: 'any', style: 'width:6em', value: String(+(image.virtualSize / GIB).toFixed(3)), dataset: { test: `resize-size-${image.name}` } }));
      const resize = admin(el('button', { type: 'button', dataset: { test: `resize-${image.name}` } }, 'Resize (GiB)'));
      resize.addEventListener('click', () => act(resize, err, async () => {
        const to = Math.round(Number(size.value) * GIB);
        const shrink = to < image.virtualSize;
        if (shrink && !(await app.confirm(`Shrink ${image.name} to ${bytes(to)}? Data past the new end is lost.`, 'Shrink'))) return;
        await app.api('POST', app.path('images', image.name, 'resize'), { pool, size: to, shrink });
        await draw();
      }, app));
      const del = admin(el('button', { type: 'button', class: 'danger', dataset: { test: `delete-${image.name}` } }, 'Delete'));
      del.addEventListener('click', () => act(del, err, async () => {
        if (!(await app.confirm(`Delete image ${image.name}? Its data is lost.`, 'Delete'))) return;
        await app.api('DELETE', imagesPath(image.name));
        await draw();
      }, app));
      controls.push(cloneName, el('label', { class: 'choice' }, linked, ' linked'), clone, size, resize, del);
    }
    return el('tr', { dataset: { test: `image-${image.name}` } },
      el('td', {}, image.name), el('td', {}, image.format), el('td', { class: 'num' }, bytes(image.virtualSize)),
      el('td', { class: 'num' }, bytes(image.actualSize)), el('td', {}, image.backingFile || ''), el('td', { class: 'actions' }, controls));
  }

  function createForm() {
    const name = admin(el('input', { type: 'text', dataset: { test: 'new-image-name' }, placeholder: 'web1-disk.qcow2' }));
    const format = admin(el('select', { dataset: { test: 'new-image-format' } }, ['qcow2', 'raw'].map((f) => el('option', { value: f }, f))));
    const size = admin(el('input', { type: 'number', min: 0.001, step: 'any', value: '4', style: 'width:6em', dataset: { test: 'new-image-size' } }));
    const go = admin(el('button', { type: 'button', class: 'primary', dataset: { test: 'new-image-create' } }, 'Create image'));
    go.addEventListener('click', () => act(go, err, async () => {
      await app.api('POST', app.path('images'), { pool, name: name.value, format: format.value, size: Math.round(Number(size.value) * GIB) });
      name.value = '';
      await draw();
    }, app));
    return admin(el('div', { class: 'toolbar', dataset: { test: 'new-image' } }, field('Name', name), field('Format', format), field('Size (GiB)', size), go));
  }
}
