// The page's entry point: the login screen, or the chat once logged in.

import { Api } from './api.js';
import { ChatClient } from './chat.js';
import { renderLogin } from './screens/login.js';
import { renderShell } from './screens/shell.js';
import { forgetSession, rememberSession, savedSession } from './session.js';

const root = document.getElementById('app');
let client = null;

function showLogin(message = '') {
  delete document.body.dataset.connection;
  renderLogin(root, new Api(), { onSession: startChat, message });
}

function sessionEnded() {
  client?.stop();
  client = null;
  forgetSession();
  showLogin('Your session ended. Log in again.');
}

async function logout() {
  const leaving = client;
  client = null;
  forgetSession();
  await leaving?.logout();
  showLogin();
}

async function startChat(session) {
  rememberSession(session);
  const api = new Api(session.token, sessionEnded);
  client = new ChatClient(api, session);
  client.addEventListener('unauthorized', sessionEnded);
  const shell = renderShell(root, client, { handle: session.handle, onLogout: logout });
  try {
    await client.start();
  } catch {
    if (client) client.store.setNotice('The inbox could not be loaded; retrying when the connection is back.');
  }
  const wanted = new URLSearchParams(window.location.hash.slice(1)).get('conversation');
  if (wanted && client?.store.conversations.has(wanted)) {
    window.history.replaceState(null, '', '/');
    shell.openConversation(wanted);
  }
}

const saved = savedSession();
if (saved) startChat(saved);
else showLogin();
