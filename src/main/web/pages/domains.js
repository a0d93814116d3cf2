// The domain list (filled in by the next commit).
export function render(root) {
  root.innerHTML = '<h1>Domains</h1>';
}
