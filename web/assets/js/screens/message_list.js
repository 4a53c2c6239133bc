// The messages of one conversation: oldest at the top, paged in as the
// person scrolls up; the ticks of their own messages (in a group "Read by 3
// of 4" on hover, focus or tap); and which messages of others they saw.

import { el, hiddenText, placeInOrder, setText } from '../dom.js';
import { clockTime } from '../format.js';
import { messageTick, tickLabel, tickSymbol } from '../receipts.js';
import { attachmentNodes } from './attachments.js';
import { MessageActions } from './message_actions.js';

const LOAD_OLDER_WITHIN_PX = 150;
const AT_BOTTOM_WITHIN_PX = 60;

export class MessageList {
  /** ``hooks``: ``reply(message)``, ``edit(message)`` (see MessageActions). */
  constructor(client, hooks) {
    this.client = client;
    this.actions = new MessageActions(client, hooks);
    this.id = null;
    this.items = new Map();
    this.visible = new Set();
    this.loadingOlder = false;
    this.status = el('p', { class: 'history-status' });
    this.list = el('ol', { class: 'message-list' });
    this.scroller = el('div', { class: 'messages', role: 'log', 'aria-label': 'Messages', tabindex: '0' },
      this.status, this.list);
    this.scroller.addEventListener('scroll', () => this.maybeLoadOlder());
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), { root: this.scroller, threshold: [0, 0.5, 1] });
    document.addEventListener('visibilitychange', () => this.reportSeen());
  }

  show(conversationId) {
    this.id = conversationId;
    this.items.clear();
    this.visible.clear();
    this.observer.disconnect();
    this.list.replaceChildren();
    this.stickToBottom = true;
  }

  render() {
    if (!this.id) return;
    const { store } = this.client;
    const conversation = store.conversations.get(this.id);
    if (!conversation) return;
    const wasAtBottom = this.stickToBottom || this.atBottom();
    const anchor = this.list.firstElementChild;
    const anchorTop = anchor ? anchor.offsetTop : 0;
    const timeline = store.timeline(this.id);
    const keys = new Set();
    const nodes = timeline.map((message) => {
      const key = `${message.sender_id}|${message.client_msg_id}`;
      keys.add(key);
      return this.item(key, message, conversation);
    });
    for (const [key, item] of this.items) {
      if (!keys.has(key)) {
        this.observer.unobserve(item.li);
        this.items.delete(key);
      }
    }
    placeInOrder(this.list, nodes);
    if (wasAtBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
    else if (anchor?.isConnected) this.scroller.scrollTop += anchor.offsetTop - anchorTop;
    this.stickToBottom = false;
    const history = store.history.get(this.id);
    setText(this.status, !history ? 'Loading\u2026' : history.complete ? 'Start of the conversation' : 'Scroll up for earlier messages');
    this.maybeLoadOlder();
  }

  item(key, message, conversation) {
    let item = this.items.get(key);
    const mine = message.sender_id === this.client.me;
    if (!item) {
      item = this.newItem(message, conversation, mine);
      this.items.set(key, item);
    }
    if (message.seq) item.li.dataset.seq = String(message.seq);
    this.updateContent(item, message);
    if (item.sender) setText(item.sender, this.client.name(message.sender_id));
    if (mine) this.updateTick(item, message, conversation);
    else if (message.seq && !item.observed) {
      item.observed = true;
      this.observer.observe(item.li);
    }
    return item.li;
  }

  newItem(message, conversation, mine) {
    const group = conversation.kind === 'group';
    const item = { body: el('p', { class: 'body', text: message.body }) };
    if (group && !mine) item.sender = el('span', { class: 'sender' });
    const time = el('time', { datetime: message.sent_at, text: clockTime(message.sent_at) });
    item.edited = el('span', { class: 'edited' });
    item.quote = el('blockquote', { class: 'quote' });
    item.attachments = el('div', { class: 'attachments' });
    this.actions.build(item, mine);
    const meta = el('span', { class: 'meta' }, time, item.edited);
    if (mine) {
      item.tickSymbol = el('span', { 'aria-hidden': 'true' });
      item.tickText = hiddenText('');
      item.detail = el('span', { class: 'receipt-detail' });
      if (group) {
        item.tick = el('button', { type: 'button', class: 'tick', 'aria-expanded': 'false' }, item.tickSymbol, item.tickText);
        item.tick.addEventListener('click', () => {
          const open = item.tick.getAttribute('aria-expanded') !== 'true';
          item.tick.setAttribute('aria-expanded', String(open));
        });
      } else {
        item.tick = el('span', { class: 'tick' }, item.tickSymbol, item.tickText);
      }
      meta.append(' ', item.tick, item.detail);
    }
    const who = mine ? hiddenText('You said: ') : null;
    item.li = el('li', { class: `message ${mine ? 'mine' : 'theirs'}` },
      el('div', { class: 'bubble' }, who, item.sender ?? null, item.quote, item.attachments, item.body, meta, item.reactions),
      item.toggle, item.menu);
    return item;
  }

  /** Edits, tombstones, the quote of a reply and reactions, as they are now. */
  updateContent(item, message) {
    const deleted = Boolean(message.deleted);
    item.li.classList.toggle('deleted', deleted);
    setText(item.body, deleted ? 'Message deleted' : message.body);
    setText(item.edited, message.edited && !deleted ? ' (edited)' : '');
    const quote = message.reply_to;
    item.quote.hidden = !quote;
    if (quote) {
      const who = this.client.name(quote.sender_id);
      setText(item.quote, quote.deleted ? 'Reply to a deleted message' : `${who}: ${quote.body}`);
    }
    const attachments = deleted ? [] : message.attachments ?? [];
    if (item.shownAttachments !== attachments.length) {
      item.shownAttachments = attachments.length;
      item.attachments.replaceChildren(...attachmentNodes(this.client, attachments));
    }
    item.attachments.hidden = !attachments.length;
    item.body.hidden = !deleted && !message.body;
    this.actions.update(item, message);
  }

  updateTick(item, message, conversation) {
    const { store, me } = this.client;
    const marks = store.watermarks.get(conversation.conversation_id) ?? null;
    const tick = messageTick(message, conversation.member_ids, marks, me);
    const group = conversation.kind === 'group';
    const label = tickLabel(tick, group);
    item.tick.dataset.state = tick.state;
    item.tick.title = label;
    setText(item.tickSymbol, tickSymbol(tick));
    setText(item.tickText, label);
    setText(item.detail, group && tick.recipients ? `Read by ${tick.read} of ${tick.recipients}` : '');
    item.li.classList.toggle('failed', tick.state === 'failed');
  }

  atBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.scroller;
    return scrollHeight - scrollTop - clientHeight < AT_BOTTOM_WITHIN_PX;
  }

  async maybeLoadOlder() {
    const history = this.id ? this.client.store.history.get(this.id) : null;
    if (!history || history.complete || this.loadingOlder) return;
    const { scrollTop, scrollHeight, clientHeight } = this.scroller;
    if (scrollTop > LOAD_OLDER_WITHIN_PX && scrollHeight > clientHeight) return;
    this.loadingOlder = true;
    setText(this.status, 'Loading earlier messages\u2026');
    this.scroller.setAttribute('aria-busy', 'true');
    try {
      await this.client.loadOlder(this.id);
    } catch {
      setText(this.status, 'Earlier messages could not be loaded.');
    } finally {
      this.loadingOlder = false;
      this.scroller.removeAttribute('aria-busy');
    }
  }

  onIntersect(entries) {
    const rootHeight = this.scroller.clientHeight;
    for (const entry of entries) {
      const seq = Number(entry.target.dataset.seq);
      const seen = entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= rootHeight / 2;
      if (entry.isIntersecting && seen) this.visible.add(seq);
      else this.visible.delete(seq);
    }
    this.reportSeen();
  }

  reportSeen() {
    if (!this.id || !this.visible.size || !this.scroller.isConnected) return;
    this.client.seen(this.id, Math.max(...this.visible));
  }
}
