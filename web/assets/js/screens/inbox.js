// The inbox: every conversation, most recent first, with its unread badge,
// its last message (or who is typing), and the peer's presence dot.

import { el, hiddenText, placeInOrder, setText } from '../dom.js';
import { shortTime } from '../format.js';
import { messageTick, tickLabel, tickSymbol } from '../receipts.js';

export class InboxView {
  constructor(container, client, { onOpen, onNewChat, onNewGroup }) {
    this.client = client;
    this.onOpen = onOpen;
    this.rows = new Map();
    this.list = el('ul', { class: 'conversation-list', 'aria-labelledby': 'inbox-title' });
    this.empty = el('p', { class: 'empty', text: 'No conversations yet. Start one with \u201cNew chat\u201d.' });
    container.append(
      el('div', { class: 'inbox-header' },
        el('h2', { id: 'inbox-title', text: 'Conversations' }),
        el('div', { class: 'inbox-actions' },
          el('button', { type: 'button', class: 'primary', text: 'New chat', onclick: onNewChat }),
          el('button', { type: 'button', text: 'New group', onclick: onNewGroup }))),
      this.list,
      this.empty,
    );
  }

  render(currentId) {
    const conversations = this.client.store.inbox();
    const present = new Set(conversations.map((c) => c.conversation_id));
    for (const id of this.rows.keys()) if (!present.has(id)) this.rows.delete(id);
    placeInOrder(this.list, conversations.map((conversation) => this.row(conversation, currentId)));
    this.empty.hidden = conversations.length > 0;
  }

  row(conversation, currentId) {
    const id = conversation.conversation_id;
    let row = this.rows.get(id);
    if (!row) {
      row = newRow(() => this.onOpen(id));
      this.rows.set(id, row);
    }
    const { client } = this;
    const title = client.title(conversation);
    row.item.dataset.conversationId = id;
    row.button.setAttribute('aria-current', id === currentId ? 'true' : 'false');
    setText(row.avatar, title.slice(0, 1).toUpperCase());
    setText(row.title, title);
    this.presence(row, conversation);
    this.lastMessage(row, conversation);
    setText(row.time, conversation.last_message ? shortTime(conversation.last_message.sent_at) : '');
    const unread = conversation.unread_count;
    row.badge.hidden = !unread;
    setText(row.count, unread > 99 ? '99+' : unread);
    return row.item;
  }

  presence(row, conversation) {
    const peer = this.client.store.peerOf(conversation);
    const status = peer ? this.client.store.presence.get(peer)?.status : undefined;
    row.dot.hidden = !status;
    row.dot.className = `presence-dot ${status ?? ''}`;
    setText(row.dotText, status ? ` ${status}` : '');
  }

  lastMessage(row, conversation) {
    const { client } = this;
    const typists = client.store.typists(conversation.conversation_id);
    const last = conversation.last_message;
    row.tick.hidden = true;
    if (typists.length) {
      setText(row.last, `${typists.map((id) => client.name(id)).join(', ')} typing\u2026`);
      return;
    }
    if (!last) {
      setText(row.last, conversation.kind === 'group' ? 'New group' : 'No messages yet');
      return;
    }
    const mine = last.sender_id === client.me;
    const who = mine || conversation.kind === 'group' ? `${client.name(last.sender_id)}: ` : '';
    setText(row.last, `${who}${last.body}`);
    if (mine) {
      const marks = client.store.watermarks.get(conversation.conversation_id) ?? null;
      const tick = messageTick(last, conversation.member_ids, marks, client.me);
      row.tick.hidden = false;
      row.tick.dataset.state = tick.state;
      setText(row.tickSymbol, tickSymbol(tick));
      setText(row.tickText, ` ${tickLabel(tick, false)}`);
    }
  }
}

function newRow(open) {
  const row = {
    avatar: el('span', { class: 'avatar', 'aria-hidden': 'true' }),
    dotText: hiddenText(''),
    title: el('span', { class: 'item-title' }),
    tickSymbol: el('span', { 'aria-hidden': 'true' }),
    tickText: hiddenText(''),
    last: el('span', { class: 'item-last-text' }),
    time: el('span', { class: 'item-time' }),
    count: el('span'),
  };
  row.dot = el('span', { class: 'presence-dot', 'aria-hidden': 'true' });
  row.tick = el('span', { class: 'tick' }, row.tickSymbol, row.tickText);
  row.badge = el('span', { class: 'badge' }, row.count, hiddenText(' unread'));
  row.button = el('button', { type: 'button', class: 'conversation-item', onclick: open },
    el('span', { class: 'avatar-wrap' }, row.avatar, row.dot),
    el('span', { class: 'item-main' },
      el('span', { class: 'item-title-line' }, row.title, row.dotText),
      el('span', { class: 'item-last' }, row.tick, ' ', row.last)),
    el('span', { class: 'item-meta' }, row.time, row.badge));
  row.item = el('li', { class: 'conversation-row' }, row.button);
  return row;
}
