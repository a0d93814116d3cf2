// A confirm dialog with one option, for the destructive actions that have one (delete: also the disk images).

/** Resolves to null if cancelled, else {option: boolean}. */
export function ask(text, { ok = 'OK', option = null } = {}) {
  const dialog = document.createElement('dialog');
  dialog.dataset.test = 'ask-dialog';
  dialog.innerHTML = `<form method="dialog"><p></p>
    ${option ? '<label><input type="checkbox" data-test="ask-option"> <span></span></label>' : ''}
    <menu><button value="cancel" data-test="ask-cancel">Cancel</button>
    <button value="ok" class="danger" data-test="ask-ok"></button></menu></form>`;
  dialog.querySelector('p').textContent = text;
  dialog.querySelector('[value=ok]').textContent = ok;
  if (option) dialog.querySelector('label span').textContent = option;
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const box = dialog.querySelector('[data-test=ask-option]');
      resolve(dialog.returnValue === 'ok' ? { option: !!(box && box.checked) } : null);
      dialog.remove();
    }, { once: true });
  });
}
