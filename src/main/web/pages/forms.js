// Small helpers shared by the editing pages (wizard, domain, storage, networks): building elements, form
// fields, sizes, xm config text quoting, and finding the line an xm config error names. Importing it loads
// their stylesheet, pages/edit.css.

if (!document.querySelector('link[data-sheet=edit]')) {
  const sheet = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: 'pages/edit.css' });
  sheet.dataset.sheet = 'edit';
  document.head.append(sheet);
}

/** el('button', {class: 'primary', dataset: {test: 'x'}, onclick: fn}, 'Text', child...) */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'checked') e.checked = e.defaultChecked = true; // drawn so: not an edit of the user's (refill)
    else if (k === 'selected') e.selected = e.defaultSelected = true;
    else if (k === 'value' && e.tagName !== 'TEXTAREA') e.setAttribute('value', String(v));
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** Replaces an element's children, skipping null, undefined and false, and flattening arrays. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/**
 * As fill, for a part that redraws on xend's events: what the user has typed or ticked there and not yet sent
 * (a field whose value differs from the one it was drawn with) is carried over to the new field of the same
 * data-test, so an event never wipes a half-filled form.
 */
export function refill(node, ...children) {
  const edited = new Map();
  for (const f of node.querySelectorAll('input[data-test], select[data-test], textarea[data-test]')) {
    const changed = f.type === 'checkbox' || f.type === 'radio' ? f.checked !== f.defaultChecked
      : f.tagName === 'SELECT' ? [...f.options].some((o) => o.selected !== o.defaultSelected) : f.value !== f.defaultValue;
    if (changed) edited.set(f.dataset.test, f.type === 'checkbox' || f.type === 'radio' ? f.checked : f.value);
  }
  const focused = document.activeElement?.dataset?.test;
  fill(node, ...children);
  for (const [test, value] of edited) {
    const f = node.querySelector(`[data-test="${CSS.escape(test)}"]`);
    if (!f) continue;
    if (typeof value === 'boolean') f.checked = value;
    else f.value = value;
  }
  if (focused) node.querySelector(`[data-test="${CSS.escape(focused)}"]`)?.focus();
  return node;
}

/** The line numbers beside a config text, the line an error names marked (data-test="...-error-line"). */
export function gutterLines(gutter, text, bad = 0) {
  const test = `${gutter.dataset.test || 'config-gutter'}-error-line`.replace('-gutter-', '-');
  return fill(gutter, text.split('\n').map((_, i) => el('span', { class: i + 1 === bad ? 'err' : '', dataset: i + 1 === bad ? { test } : {} }, String(i + 1))));
}

/** A control that changes something: only an administrator's page has it (GUI.md: data-admin). */
export function admin(element) {
  element.dataset.admin = '';
  return element;
}

/** A labelled field: <label>Text <input></label>, with a place for its own error. */
export function field(label, input, hint) {
  return el('label', { class: 'field' }, el('span', {}, label), input, hint ? el('small', { class: 'muted' }, hint) : null);
}

/** Bytes in the largest binary unit that keeps a whole-ish number: 1.5 GiB, 512 MiB. */
export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

/** A string in an xm config: double quotes, with backslash and quote escaped. */
export function quote(s) {
  return `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The line (and column) an xm config error names: "web1.cfg:12:8: ..." → {line: 12, col: 8}; null if none. */
export function errorLine(message, source) {
  const prefix = source ? source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '[^:\\s]+';
  const m = new RegExp(`^${prefix}:(\\d+)(?::(\\d+))?:`).exec(message || '');
  return m ? { line: Number(m[1]), col: m[2] ? Number(m[2]) : 0 } : null;
}

/** The items of a list setting (vif = [ '...', '...' ]) in xm text, unquoted; [] when the text has none. */
export function listSetting(text, key) {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*\\[([^\\]]*)\\]`, 'm').exec(text);
  if (!m) return [];
  return [...m[1].matchAll(/'([^']*)'|"([^"]*)"/g)].map((x) => (x[1] !== undefined ? x[1] : x[2]));
}

/** A plain setting (memory = 256, boot = "dc") in xm text, unquoted; undefined when the text has none. */
export function setting(text, key) {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s#]+))`, 'm').exec(text);
  if (!m) return undefined;
  return m[1] ?? m[2] ?? m[3];
}

/** A list setting as an override for the API: key=['a', 'b'] (no item may hold a quote). */
export function listOverride(key, items) {
  for (const i of items) if (/['"\n]/.test(i)) throw new Error(`${key}: '${i}' must not contain quotes`);
  return `${key}=[${items.map((i) => `'${i}'`).join(', ')}]`;
}

/** Runs an action from a button: busy while it runs, its failure shown beside it (and as a toast). */
export async function act(button, errorBox, fn, app) {
  button.disabled = true;
  if (errorBox) errorBox.textContent = '';
  try {
    return await fn();
  } catch (e) {
    if (errorBox) errorBox.textContent = e.message;
    else if (app) app.toast(e.message, 'error');
    return undefined;
  } finally {
    button.disabled = false;
  }
}
