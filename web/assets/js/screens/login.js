// Log in, or create an account and log in.

import { el } from '../dom.js';

const MODES = {
  login: { title: 'Log in', submit: 'Log in', switchText: 'New here?', switchTo: 'Create an account' },
  register: { title: 'Create an account', submit: 'Create account', switchText: 'Have an account?', switchTo: 'Log in instead' },
};

function explain(error, mode) {
  switch (error.status) {
    case 401: return 'Wrong handle or password.';
    case 409: return 'That handle is taken. Choose another one.';
    case 429: return `Too many attempts. Try again in ${error.retryAfterSeconds ?? 60} s.`;
    case 0: return 'The server cannot be reached.';
    default: return mode === 'register' && error.status === 422
      ? 'A handle has 3 to 32 of a-z, 0-9, _ . - and a password at least 8 characters.'
      : error.message;
  }
}

/** The login screen; ``onSession`` gets the new session (with its handle). */
export function renderLogin(root, api, { onSession, message = '' }) {
  let mode = 'login';
  const heading = el('h2', { id: 'login-title' });
  const handle = el('input', {
    id: 'login-handle', name: 'handle', required: true, autocomplete: 'username',
    autocapitalize: 'none', spellcheck: 'false', maxlength: '32',
  });
  const password = el('input', { id: 'login-password', name: 'password', type: 'password', required: true });
  const displayName = el('input', { id: 'login-display-name', name: 'display_name', autocomplete: 'nickname', maxlength: '100' });
  const nameField = el('p', { class: 'field' },
    el('label', { for: 'login-display-name', text: 'Display name (optional)' }), displayName);
  const hint = el('p', { class: 'hint', id: 'login-hint', text: 'Handles have 3 to 32 of a-z, 0-9, _ . - ; passwords at least 8 characters.' });
  const error = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'primary' });
  const switchText = el('span');
  const switchButton = el('button', { type: 'button', class: 'link' });
  const form = el('form', { class: 'login-form', 'aria-labelledby': 'login-title', novalidate: true },
    heading,
    el('p', { class: 'field' }, el('label', { for: 'login-handle', text: 'Handle' }), handle),
    el('p', { class: 'field' }, el('label', { for: 'login-password', text: 'Password' }), password),
    nameField, hint, error, submit,
    el('p', { class: 'switch' }, switchText, ' ', switchButton));

  function setMode(next) {
    mode = next;
    const words = MODES[mode];
    heading.textContent = words.title;
    submit.textContent = words.submit;
    switchText.textContent = words.switchText;
    switchButton.textContent = words.switchTo;
    nameField.hidden = mode !== 'register';
    hint.hidden = mode !== 'register';
    password.autocomplete = mode === 'register' ? 'new-password' : 'current-password';
    error.textContent = '';
  }

  switchButton.addEventListener('click', () => {
    setMode(mode === 'login' ? 'register' : 'login');
    handle.focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const who = handle.value.trim().toLowerCase();
    if (!who || !password.value) {
      error.textContent = 'Enter a handle and a password.';
      return;
    }
    submit.disabled = true;
    error.textContent = '';
    try {
      if (mode === 'register') await api.register(who, password.value, displayName.value.trim());
      const session = await api.login(who, password.value);
      onSession({ ...session, handle: who });
    } catch (failure) {
      error.textContent = explain(failure, mode);
      submit.disabled = false;
    }
  });

  setMode('login');
  if (message) error.textContent = message;
  root.replaceChildren(el('main', { class: 'login' }, el('h1', { text: 'Chat' }), form));
  handle.focus();
}
