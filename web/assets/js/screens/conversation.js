// One open conversation: its header (title, presence or members online),
// its messages, who is typing, and the composer.

import { el, setText } from '../dom.js';
import { presenceText } from '../format.js';
import { Composer } from './composer.js';
import { MessageList } from './message_list.js';

export class ConversationView {
  constructor(container, client, { onBack, onGroupSettings }) {
    this.client = client;
    this.container = container;
    this.id = null;
    this.composer = new Composer(client, {
      conversationId: () => this.id,
      onSent: () => { this.messages.stickToBottom = true; },
    });
    this.messages = new MessageList(client, {
      reply: (message) => this.composer.reply(message),
      edit: (message) => this.composer.edit(message),
    });
    this.title = el('h2', { id: 'conversation-title', class: 'conversation-title' });
    this.subtitle = el('p', { class: 'conversation-status' });
    this.settings = el('button', {
      type: 'button', text: 'Settings', 'aria-label': 'Group settings', onclick: () => onGroupSettings(this.id),
    });
    this.typingLine = el('p', { class: 'typing', 'aria-live': 'polite' });
    this.view = el('section', { class: 'conversation', 'aria-labelledby': 'conversation-title' },
      el('header', { class: 'conversation-header' },
        el('button', { type: 'button', class: 'back', 'aria-label': 'Back to conversations', text: '\u2190', onclick: onBack }),
        el('div', { class: 'conversation-heading' }, this.title, this.subtitle),
        this.settings),
      this.messages.scroller,
      this.typingLine,
      this.composer.view);
    this.placeholder = el('p', { class: 'placeholder', text: 'Choose a conversation, or start a new one.' });
    container.replaceChildren(this.placeholder);
  }

  async show(conversationId) {
    this.id = conversationId;
    this.messages.show(conversationId);
    this.composer.reset();
    this.container.replaceChildren(this.view);
    this.render();
    this.composer.input.focus();
    try {
      await this.client.open(conversationId);
    } catch {
      this.client.store.setNotice('This conversation could not be loaded.');
    }
  }

  close(text = 'Choose a conversation, or start a new one.') {
    this.id = null;
    this.messages.show(null);
    this.placeholder.textContent = text;
    this.container.replaceChildren(this.placeholder);
  }

  render() {
    if (!this.id) return;
    const { client } = this;
    const conversation = client.store.conversations.get(this.id);
    if (!conversation) return;
    setText(this.title, client.title(conversation));
    setText(this.subtitle, this.status(conversation));
    this.settings.hidden = conversation.kind !== 'group';
    const typists = client.store.typists(this.id).map((id) => client.name(id));
    setText(this.typingLine, typists.length ? `${typists.join(', ')} ${typists.length > 1 ? 'are' : 'is'} typing\u2026` : '');
    this.messages.render();
  }

  status(conversation) {
    const { store } = this.client;
    const peer = store.peerOf(conversation);
    if (peer) return presenceText(store.presence.get(peer));
    const others = conversation.member_ids.filter((id) => id !== store.me);
    const online = others.filter((id) => store.presence.get(id)?.status === 'online').length;
    const members = `${conversation.member_ids.length} member${conversation.member_ids.length === 1 ? '' : 's'}`;
    return online ? `${members}, ${online} online` : members;
  }
}
