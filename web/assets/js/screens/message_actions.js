// The controls of one message: its reactions as buttons (a count, who
// reacted in the name and title; a press adds or takes back one's own),
// and behind "Message actions": reply and react on any message, edit and
// delete on one's own.

import { el, placeInOrder, setText } from '../dom.js';
import { cancel, modal } from './dialogs.js';

export const EMOJIS = ['\u{1F44D}', '\u2764\uFE0F', '\u{1F602}', '\u{1F62E}', '\u{1F622}', '\u{1F64F}'];

export class MessageActions {
  /** ``hooks``: ``reply(message)`` and ``edit(message)`` (the composer's). */
  constructor(client, hooks) {
    this.client = client;
    this.hooks = hooks;
  }

  /** The parts of a new message item: ``reactions``, ``toggle``, ``menu``. */
  build(item, mine) {
    item.reactions = el('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' });
    item.reactionButtons = new Map();
    item.toggle = el('button', { type: 'button', class: 'more', 'aria-expanded': 'false', 'aria-label': 'Message actions', text: '\u22EF' });
    item.menu = el('div', { class: 'message-actions', role: 'group', 'aria-label': 'Message actions', hidden: true });
    item.toggle.addEventListener('click', () => this.setOpen(item, item.menu.hidden));
    const closeOnEscape = (event) => {
      if (event.key !== 'Escape' || item.menu.hidden) return;
      event.stopPropagation();
      this.setOpen(item, false);
      item.toggle.focus();
    };
    item.menu.addEventListener('keydown', closeOnEscape);
    item.toggle.addEventListener('keydown', closeOnEscape);
    const act = (text, label, run) => el('button', { type: 'button', class: 'small', text, 'aria-label': label, onclick: () => {
      this.setOpen(item, false);
      item.toggle.focus();
      run(item.message);
    } });
    item.emojiButtons = EMOJIS.map((emoji) => {
      const button = el('button', { type: 'button', class: 'small emoji', text: emoji, 'aria-label': `React with ${emoji}`, 'aria-pressed': 'false' });
      button.addEventListener('click', () => {
        this.setOpen(item, false);
        item.toggle.focus();
        this.toggleReaction(item.message, emoji);
      });
      return button;
    });
    item.menu.append(act('Reply', 'Reply', (m) => this.hooks.reply(m)), ...item.emojiButtons);
    if (mine) {
      item.menu.append(act('Edit', 'Edit message', (m) => this.hooks.edit(m)), act('Delete', 'Delete message', (m) => this.confirmDelete(m)));
    }
  }

  setOpen(item, open) {
    item.menu.hidden = !open;
    item.toggle.setAttribute('aria-expanded', String(open));
  }

  /** Shows ``message`` as it is now: its reactions, and the controls only
   *  for a posted message that is not deleted. */
  update(item, message) {
    item.message = message;
    const usable = Boolean(message.seq) && !message.deleted;
    item.toggle.hidden = !usable;
    if (!usable) this.setOpen(item, false);
    const reactions = usable ? message.reactions ?? [] : [];
    const mine = new Set(reactions.filter((r) => r.user_ids.includes(this.client.me)).map((r) => r.emoji));
    item.emojiButtons.forEach((button, i) => button.setAttribute('aria-pressed', String(mine.has(EMOJIS[i]))));
    const buttons = reactions.map((reaction) => this.reactionButton(item, reaction));
    for (const emoji of [...item.reactionButtons.keys()]) {
      if (!reactions.some((r) => r.emoji === emoji)) item.reactionButtons.delete(emoji);
    }
    placeInOrder(item.reactions, buttons);
    item.reactions.hidden = !buttons.length;
  }

  reactionButton(item, reaction) {
    let button = item.reactionButtons.get(reaction.emoji);
    if (!button) {
      button = el('button', { type: 'button', class: 'reaction' });
      button.addEventListener('click', () => this.toggleReaction(item.message, reaction.emoji));
      item.reactionButtons.set(reaction.emoji, button);
    }
    const names = reaction.user_ids.map((id) => this.client.name(id)).join(', ');
    const who = `${reaction.emoji} ${reaction.count}: ${names}`;
    setText(button, `${reaction.emoji} ${reaction.count}`);
    button.title = names;
    button.setAttribute('aria-label', who);
    button.setAttribute('aria-pressed', String(reaction.user_ids.includes(this.client.me)));
    return button;
  }

  toggleReaction(message, emoji) {
    const had = (message.reactions ?? []).some((r) => r.emoji === emoji && r.user_ids.includes(this.client.me));
    this.client.change(had ? 'unreact' : 'react', message.conversation_id, message.seq, { emoji });
  }

  confirmDelete(message) {
    modal('Delete message', (close) => [
      el('p', { text: 'Delete this message for everyone? This cannot be undone.' }),
      el('div', { class: 'dialog-actions' },
        el('button', { type: 'button', class: 'danger', text: 'Delete for everyone', onclick: async () => {
          close();
          await this.client.change('delete', message.conversation_id, message.seq);
        } }),
        cancel(close)),
    ]);
  }
}
