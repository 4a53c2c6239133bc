// The signed-in page: a top bar, the connection line ("Reconnecting…"),
// notices, the inbox and the open conversation. On a narrow screen one pane
// shows at a time (data-view on the app element).

import { coalesced, el, setText } from '../dom.js';
import { ConversationView } from './conversation.js';
import { openGroupSettings, openNewChat, openNewGroup } from './dialogs.js';
import { openFriends } from './friends.js';
import { InboxView } from './inbox.js';
import { enablePush, onNotificationClick, pushEnabled, pushSupported, tellWorkerNames } from '../push.js';
import { openSearch } from './search.js';

const CONNECTION_TEXT = {
  connecting: 'Connecting\u2026',
  open: '',
  reconnecting: 'Reconnecting\u2026',
  offline: 'Reconnecting\u2026 (no network)',
};

export function renderShell(root, client, { handle, onLogout }) {
  const connection = el('p', { class: 'connection', role: 'status' });
  const noticeText = el('span');
  const notice = el('div', { class: 'notice', role: 'alert', hidden: true }, noticeText,
    el('button', { type: 'button', class: 'small', text: 'Dismiss', onclick: () => client.store.setNotice(null) }));
  const notifications = el('button', { type: 'button', class: 'on-accent', text: 'Allow notifications', hidden: !pushSupported() });
  const inboxPane = el('nav', { class: 'inbox-pane', 'aria-label': 'Conversations' });
  const conversationPane = el('div', { class: 'conversation-pane' });
  const app = el('div', { class: 'app', dataset: { view: 'inbox' } },
    el('header', { class: 'topbar' },
      el('h1', { text: 'Chat' }),
      el('span', { class: 'me', text: `Signed in as ${handle}` }),
      el('button', { type: 'button', class: 'on-accent', text: 'Search', onclick: () => openSearch(client, (id) => openConversation(id)) }),
      el('button', { type: 'button', class: 'on-accent', text: 'Friends', onclick: () => openFriends(client) }),
      notifications,
      el('button', { type: 'button', class: 'on-accent', text: 'Log out', onclick: onLogout })),
    connection, notice,
    el('main', { class: 'panes' }, inboxPane, conversationPane));

  const openConversation = (id) => {
    app.dataset.view = 'conversation';
    conversation.show(id);
    redraw();
  };
  const backToInbox = () => {
    const id = conversation.id;
    app.dataset.view = 'inbox';
    redraw();
    inboxPane.querySelector(`[data-conversation-id="${CSS.escape(id ?? '')}"] button`)?.focus();
  };
  const inbox = new InboxView(inboxPane, client, {
    onOpen: openConversation,
    onNewChat: () => openNewChat(client, openConversation),
    onNewGroup: () => openNewGroup(client, openConversation),
  });
  const conversation = new ConversationView(conversationPane, client, {
    onBack: backToInbox,
    onGroupSettings: (id) => openGroupSettings(client, id, () => conversation.close()),
  });

  const redraw = coalesced(() => {
    inbox.render(conversation.id);
    conversation.render();
    notice.hidden = !client.store.notice;
    setText(noticeText, client.store.notice ?? '');
  });
  client.store.addEventListener('change', (event) => {
    const { what, conversationId } = event.detail;
    const gone = conversation.id && !client.store.conversations.has(conversation.id);
    if (gone && (what === 'inbox' || (what === 'left' && conversationId === conversation.id))) {
      conversation.close('You are no longer in that conversation.');
      app.dataset.view = 'inbox';
    }
    redraw();
  });
  client.socket.addEventListener('state', (event) => {
    const { state } = event.detail;
    document.body.dataset.connection = state;
    setText(connection, CONNECTION_TEXT[state] ?? '');
  });
  app.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && app.dataset.view === 'conversation' && !document.querySelector('dialog[open]')) {
      backToInbox();
    }
  });
  wireNotifications(client, notifications, openConversation);
  root.replaceChildren(app);
  redraw();
  return { openConversation };
}

/** "Allow notifications" (docs/client.md, "Notifications"); what went wrong
 *  shows as a notice. */
function wireNotifications(client, button, openConversation) {
  const on = () => {
    setText(button, 'Notifications on');
    button.disabled = true;
  };
  pushEnabled().then((enabled) => enabled && on(), () => null);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await enablePush(client.api);
      on();
    } catch (error) {
      button.disabled = false;
      client.store.setNotice(`Notifications could not be turned on: ${error.message}.`);
    }
  });
  onNotificationClick(openConversation);
  const names = coalesced(() => {
    const known = Object.fromEntries([...client.store.users.values()].map((user) => [user.user_id, user.display_name]));
    tellWorkerNames(known).catch(() => null);
  });
  client.store.addEventListener('change', (event) => {
    if (event.detail.what === 'user') names();
  });
}
