// The login page: a host account, checked by xend through PAM. Loaded without credentials, so it imports
// nothing but the API client.
import { api } from '../api.js';

export function render(root, params, app) {
  root.innerHTML = `
    <form class="login" data-test="login-form">
      <h1>vmhost</h1>
      <p class="muted">Log in with an account of this host.</p>
      <label>User <input name="user" autocomplete="username" required data-test="login-user"></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required
        data-test="login-password"></label>
      <p class="error" role="alert" data-test="login-error" hidden></p>
      <button type="submit" data-test="login-submit">Log in</button>
    </form>`;
  const form = root.querySelector('form');
  const error = root.querySelector('.error');
  form.user.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    error.hidden = true;
    try {
      const session = await api('POST', '/api/v1/session', { user: form.user.value, password: form.password.value });
      app.loggedIn(session);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      form.password.value = '';
      form.password.focus();
    } finally {
      button.disabled = false;
    }
  });
}
