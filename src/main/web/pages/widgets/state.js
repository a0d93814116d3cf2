// A domain's state as the list and the details page show it: an icon and a word, from the API's state name.

const STATES = {
  RUNNING: { word: 'running', cls: 'running', icon: '<circle cx="7" cy="7" r="6"/><path d="M5 4l5 3-5 3z" fill="#fff"/>' },
  BLOCKED: { word: 'idle', cls: 'running', icon: '<circle cx="7" cy="7" r="6"/><path d="M5 4l5 3-5 3z" fill="#fff"/>' },
  PAUSED: { word: 'paused', cls: 'paused', icon: '<circle cx="7" cy="7" r="6"/><path d="M4.5 4h2v6h-2zM7.5 4h2v6h-2z" fill="#fff"/>' },
  SHUTTING_DOWN: { word: 'shutting down', cls: 'paused', icon: '<circle cx="7" cy="7" r="6"/><path d="M7 3v4" stroke="#fff" stroke-width="1.6"/>' },
  REATTACHING: { word: 're-attaching', cls: 'paused', icon: '<circle cx="7" cy="7" r="6" fill="none" stroke="currentColor" stroke-width="2" stroke-dasharray="4 2"/>' },
  STARTING: { word: 'starting', cls: 'paused', icon: '<circle cx="7" cy="7" r="6" fill="none" stroke="currentColor" stroke-width="2" stroke-dasharray="4 2"/>' },
  SHUT_OFF: { word: 'shut off', cls: 'shutoff', icon: '<rect x="2" y="2" width="10" height="10" rx="2"/>' },
  CRASHED: { word: 'crashed', cls: 'crashed', icon: '<circle cx="7" cy="7" r="6"/><path d="M4.5 4.5l5 5M9.5 4.5l-5 5" stroke="#fff" stroke-width="1.6"/>' },
  DYING: { word: 'dying', cls: 'crashed', icon: '<circle cx="7" cy="7" r="6"/>' },
  SAVING: { word: 'saving', cls: 'paused', icon: '<circle cx="7" cy="7" r="6"/><path d="M4 6l3 3 3-3M7 3v6" stroke="#fff" stroke-width="1.4" fill="none"/>' },
  MIGRATING: { word: 'migrating', cls: 'paused', icon: '<circle cx="7" cy="7" r="6"/><path d="M3 7h7M7.5 4.5L10 7l-2.5 2.5" stroke="#fff" stroke-width="1.4" fill="none"/>' },
};

/** {word, cls, icon} of an API state name (RUNNING, SHUT_OFF, ...). */
export function describeState(state) {
  return STATES[state] || { word: String(state).toLowerCase().replace(/_/g, ' '), cls: '', icon: '<circle cx="7" cy="7" r="6"/>' };
}

/** Whether a domain in this state has a QEMU (can be paused, shut down, forced off). */
export function isActive(state) {
  return ['RUNNING', 'BLOCKED', 'PAUSED', 'SHUTTING_DOWN', 'CRASHED', 'STARTING', 'DYING', 'REATTACHING', 'SAVING', 'MIGRATING'].includes(state);
}

/** Fills `el` with the state's icon and word; `el.dataset.state` keeps the API's name for tests. */
export function showState(el, state) {
  const d = describeState(state);
  if (el.dataset.state === state) return;
  el.dataset.state = state;
  el.className = `state ${d.cls}`;
  el.innerHTML = `<svg viewBox="0 0 14 14" fill="currentColor" aria-hidden="true">${d.icon}</svg><span></span>`;
  el.querySelector('span').textContent = d.word;
}
