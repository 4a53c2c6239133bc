// The friends dialog: find people by handle prefix and ask them, answer
// requests, see friends with their presence (most recent chat first), and
// block. Everything is read again when a "friend" or "presence" push says
// something changed.

import { el, setText } from '../dom.js';
import { cancel, field, modal } from './dialogs.js';

const MIN_PREFIX = 2;

function section(id, titleText) {
  const title = el('h3', { id });
  const list = el('ul', { class: 'member-list', 'aria-labelledby': id });
  setText(title, titleText);
  return { title, list };
}

function person(user, detail, ...buttons) {
  return el('li', { class: 'member', dataset: { userId: user.user_id } },
    el('span', { class: 'member-name', text: user.handle }),
    detail ? el('span', { class: 'role', text: detail }) : null,
    ...buttons);
}

function act(text, label, action, onDone) {
  const button = el('button', { type: 'button', class: 'small', text, 'aria-label': label });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action();
      onDone(null);
    } catch (error) {
      onDone(error.message || 'That did not work; try again.');
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

export function openFriends(client) {
  const { api, store } = client;
  let refresh = async () => {};
  const dialog = modal('Friends', (close) => {
    const query = el('input', { type: 'search', autocapitalize: 'none', spellcheck: 'false', autocomplete: 'off' });
    const error = el('p', { class: 'error', role: 'alert' });
    const found = section('friends-found', 'Find people');
    const nobody = el('p', { class: 'hint', role: 'status' });
    const incoming = section('friends-incoming', 'Requests');
    const friends = section('friends-list', 'Friends');
    const told = (message) => setText(error, message ?? '');
    const ask = (user) => act('Add', `Add ${user.handle} as a friend`, () => api.askFriend(user.user_id), told);

    const search = async () => {
      const prefix = query.value.trim().toLowerCase();
      setText(nobody, '');
      if (prefix.length < MIN_PREFIX) return found.list.replaceChildren();
      const { users } = await api.searchUsers(prefix);
      if (query.value.trim().toLowerCase() !== prefix) return undefined; // typed on meanwhile
      found.list.replaceChildren(...users.map((user) => person(user, null, ask(user))));
      if (users.length === 0) setText(nobody, `No one has a handle starting with \u201c${prefix}\u201d.`);
      return undefined;
    };
    query.addEventListener('input', () => search().catch((failure) => told(failure.message)));

    refresh = async () => {
      const [requests, listed] = await Promise.all([api.friendRequests(), api.friends()]);
      incoming.list.replaceChildren(
        ...requests.incoming.map((user) => person(user, 'wants to be friends',
          act('Accept', `Accept ${user.handle}`, () => api.acceptFriend(user.user_id), told),
          act('Decline', `Decline ${user.handle}`, () => api.dropFriendRequest(user.user_id), told))),
        ...requests.outgoing.map((user) => person(user, 'asked',
          act('Cancel', `Cancel the request to ${user.handle}`, () => api.dropFriendRequest(user.user_id), told))));
      incoming.title.hidden = incoming.list.hidden = incoming.list.children.length === 0;
      friends.list.replaceChildren(...listed.friends.map((friend) => {
        const live = store.presence.get(friend.user_id)?.status ?? friend.status;
        return person(friend, live,
          act('Remove', `Remove ${friend.handle} from friends`, () => api.removeFriend(friend.user_id), told),
          act('Block', `Block ${friend.handle}`, () => api.block(friend.user_id), told));
      }));
      setText(friends.title, `Friends (${listed.friends.length})`);
    };
    return [
      field('friends-search', 'Search by handle', query), error,
      found.title, found.list, nobody, incoming.title, incoming.list, friends.title, friends.list,
      el('div', { class: 'dialog-actions' }, cancel(close, 'Close')),
    ];
  });
  const again = () => refresh().catch(() => null);
  again();
  const onChange = (event) => {
    if (['friends', 'presence'].includes(event.detail.what)) again();
  };
  store.addEventListener('change', onChange);
  dialog.addEventListener('close', () => store.removeEventListener('change', onChange));
}
