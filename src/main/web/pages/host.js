// The host overview (filled in by a later commit).
export function render(root) {
  root.innerHTML = '<h1>Host</h1>';
}
