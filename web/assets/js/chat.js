// The page's controller: loads the inbox, keeps it live from the socket,
// sends messages (and sends them again after a drop, with the same
// client_msg_id), reports "delivered" for what reaches the page and "read"
// for what the person saw, relays typing, and after every reconnection
// syncs what it missed.

import { reconnectDelay } from './backoff.js';
import { MediaUrls } from './media.js';
import { ReceiptReports } from './reports.js';
import { ChatSocket, Disconnected, FrameError, socketUrl } from './socket.js';
import { ChatStore } from './store.js';
import { TypingReporter } from './typing.js';

const PAGE = 50;
const MAX_SYNC_CURSORS = 1000;
const PRESENCE_OF_MEMBERS = 50; // asked when a group opens; pushes tell the rest

export function newClientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ChatClient extends EventTarget {
  constructor(api, session) {
    super();
    this.api = api;
    this.me = session.user_id;
    this.store = new ChatStore(this.me);
    const locate = () => api.edge().then((edge) => edge.ws_url);
    this.socket = new ChatSocket(socketUrl(), session.token, locate);
    this.outbox = new Map(); // "conversation|client_msg_id" -> send frame
    this.inflight = new Set();
    this.retries = new Map(); // outbox key -> sends answered `unavailable` in a row
    this.reports = new ReceiptReports(this.socket);
    this.typingReporter = new TypingReporter(this.socket);
    this.media = new MediaUrls(api);
    this.fetching = new Map(); // what is being loaded -> its promise
    this.clock = null;
    this.inboxStale = false;
  }

  async start() {
    this.socket.addEventListener('ready', (event) => this.onReady(event.detail.reconnected));
    this.socket.addEventListener('frame', (event) => this.onFrame(event.detail.frame));
    this.socket.addEventListener('unauthorized', () => this.dispatchEvent(new CustomEvent('unauthorized')));
    this.clock = setInterval(() => this.store.changed('clock'), 15000);
    await this.loadInbox().catch(() => {
      this.inboxStale = true;
    });
    this.socket.start();
  }

  stop() {
    clearInterval(this.clock);
    this.reports.stop();
    this.typingReporter.stop();
    this.socket.stop();
    this.media.forget();
  }

  async logout() {
    this.stop();
    await this.api.logout().catch(() => null);
  }

  // -- loading ------------------------------------------------------------------
  async loadInbox() {
    const { conversations } = await this.api.inbox();
    this.store.setInbox(conversations);
    for (const conversation of conversations) {
      if (conversation.unread_count > 0) this.reports.report('delivered', conversation.conversation_id, conversation.last_seq);
      const peer = this.store.peerOf(conversation);
      if (peer) this.loadPresence(peer, true);
    }
  }

  /** Once per key at a time: ``load`` runs unless the same load is under way. */
  once(key, load) {
    if (!this.fetching.has(key)) {
      const running = load().finally(() => this.fetching.delete(key));
      this.fetching.set(key, running);
    }
    return this.fetching.get(key);
  }

  loadPresence(userId, again = false) {
    if (userId === this.me || (!again && this.store.presence.has(userId))) return;
    this.once(`presence|${userId}`, async () => {
      this.store.setPresence(await this.api.presence(userId));
    }).catch(() => null);
  }

  loadReceipts(conversationId) {
    return this.once(`receipts|${conversationId}`, async () => {
      const { members } = await this.api.receipts(conversationId);
      this.store.setWatermarks(conversationId, members);
      const mine = this.store.myWatermark(conversationId);
      if (mine) this.reports.note(conversationId, mine.delivered_seq, mine.read_seq);
    }).catch(() => null);
  }

  loadConversation(conversationId) {
    return this.once(`conversation|${conversationId}`, async () => {
      this.store.setConversation(await this.api.conversation(conversationId));
    }).catch(() => null);
  }

  /** A person's name: "You", their display name, or a placeholder while it loads. */
  name(userId) {
    if (userId === this.me) return 'You';
    const user = this.store.users.get(userId);
    if (user) return user.display_name;
    this.once(`user|${userId}`, async () => {
      try {
        this.store.setUser(await this.api.user(userId));
      } catch {
        this.store.setUser({ user_id: userId, handle: null, display_name: 'Former member' });
      }
    });
    return '\u2026';
  }

  title(conversation) {
    if (conversation.kind === 'group') return conversation.title ?? 'Group';
    return this.name(this.store.peerOf(conversation));
  }

  /** The latest page of a conversation, its watermarks and its members' presence. */
  async open(conversationId) {
    const conversation = this.store.conversations.get(conversationId);
    const members = conversation?.member_ids ?? [];
    for (const userId of members.slice(0, PRESENCE_OF_MEMBERS)) this.loadPresence(userId);
    const receipts = this.store.watermarks.has(conversationId) ? null : this.loadReceipts(conversationId);
    if (!this.store.history.has(conversationId)) {
      const page = await this.api.messages(conversationId, { limit: PAGE });
      this.store.addHistory(conversationId, page.messages, page.messages.length < PAGE);
    }
    await receipts;
  }

  /** The page before the oldest loaded message; false when there is none. */
  async loadOlder(conversationId) {
    const loaded = this.store.history.get(conversationId);
    if (!loaded || loaded.complete) return false;
    await this.once(`older|${conversationId}`, async () => {
      const page = await this.api.messages(conversationId, { before: loaded.oldest, limit: PAGE });
      this.store.addHistory(conversationId, page.messages, page.messages.length < PAGE);
    });
    return true;
  }

  // -- the socket ---------------------------------------------------------------
  async onReady(reconnected) {
    for (const key of this.outbox.keys()) this.deliver(key);
    this.reports.flush();
    await this.sync([...this.store.conversations.keys()]);
    if (!reconnected && !this.inboxStale) return;
    this.inboxStale = false;
    await this.loadInbox().catch(() => {
      this.inboxStale = true;
    });
    for (const userId of this.store.presence.keys()) this.loadPresence(userId, true);
    for (const conversationId of this.store.watermarks.keys()) this.loadReceipts(conversationId);
  }

  async sync(conversationIds) {
    for (let i = 0; i < conversationIds.length; i += MAX_SYNC_CURSORS) {
      const chunk = conversationIds.slice(i, i + MAX_SYNC_CURSORS);
      const cursors = Object.fromEntries(chunk.map((id) => [id, this.store.cursor(id)]));
      const held = chunk.filter((id) => this.store.history.has(id));
      const changes = Object.fromEntries(held.map((id) => [id, this.store.changes.get(id) ?? 0]));
      try {
        await this.socket.request({ type: 'sync', cursors, changes }, 120000);
      } catch (error) {
        if (error instanceof FrameError && error.code === 'rate_limited') {
          setTimeout(() => this.sync(chunk), error.retryAfterMs ?? 1000);
        }
      }
    }
  }

  onFrame(frame) {
    switch (frame.type) {
      case 'message': return this.onMessage(frame);
      case 'message_changed':
        this.store.changeMessage(frame.message);
        return this.store.noteChange(frame.conversation_id, frame.change_seq);
      case 'receipt': return this.onReceipt(frame);
      case 'presence': return this.store.setPresence(frame);
      case 'typing': return this.onTyping(frame);
      case 'conversation': return this.onConversation(frame.conversation);
      case 'rejected': return this.onRejected(frame);
      case 'friend': return this.store.changed('friends');
      case 'error': return this.store.setNotice(frame.message ?? frame.code);
      default: return undefined;
    }
  }

  onMessage(message) {
    const id = message.conversation_id;
    if (!this.store.conversations.has(id)) this.loadConversation(id);
    this.store.addMessage(message);
    if (message.sender_id !== this.me) this.reports.report('delivered', id, message.seq);
    if (this.store.history.has(id) && this.store.cursor(id) < message.seq) {
      this.once(`sync|${id}`, () => this.sync([id]));
    }
  }

  onReceipt(receipt) {
    const id = receipt.conversation_id;
    if (receipt.user_id === this.me) {
      this.reports.note(id, receipt.up_to_seq, receipt.kind === 'read' ? receipt.up_to_seq : 0);
    }
    this.store.applyReceipt(receipt);
    const conversation = this.store.conversations.get(id);
    if (!this.store.watermarks.has(id) && conversation?.last_message?.sender_id === this.me) {
      this.loadReceipts(id);
    }
  }

  onTyping(frame) {
    this.store.setTyping(frame.conversation_id, frame.user_id);
    setTimeout(() => this.store.changed('typing', frame.conversation_id), 5100);
  }

  onConversation(conversation) {
    const stillIn = this.store.setConversation(conversation);
    const id = conversation.conversation_id;
    if (stillIn && this.store.watermarks.has(id)) this.loadReceipts(id);
    const peer = this.store.peerOf(conversation);
    if (stillIn && peer) this.loadPresence(peer);
  }

  onRejected(frame) {
    if (frame.client_msg_id) {
      this.outbox.delete(`${frame.conversation_id}|${frame.client_msg_id}`);
      this.store.updatePending(frame.conversation_id, frame.client_msg_id, { failed: frame.reason });
    } else {
      this.store.setNotice(`Refused: ${frame.reason}`);
    }
  }

  // -- sending ------------------------------------------------------------------
  /** Sends a message; ``replyTo`` a message object of this conversation,
   *  ``attachments`` uploaded ``<media>`` objects. */
  send(conversationId, body, { replyTo = null, attachments = [] } = {}) {
    const clientMsgId = newClientId();
    this.typingReporter.messageSent(conversationId);
    const quote = replyTo && { seq: replyTo.seq, sender_id: replyTo.sender_id, body: replyTo.body, deleted: false };
    this.store.addPending({
      conversation_id: conversationId,
      client_msg_id: clientMsgId,
      sender_id: this.me,
      body,
      sent_at: new Date().toISOString(),
      seq: null,
      reply_to: quote,
      attachments,
    });
    const key = `${conversationId}|${clientMsgId}`;
    const frame = { type: 'send', conversation_id: conversationId, client_msg_id: clientMsgId, body };
    if (replyTo) frame.reply_to = replyTo.seq;
    if (attachments.length) frame.attachments = attachments.map((media) => ({ media_id: media.media_id }));
    this.outbox.set(key, frame);
    this.deliver(key);
  }

  /** ``edit``, ``delete``, ``react`` or ``unreact`` of the message at ``seq``;
   *  a refusal shows as a notice. True once the server has it. */
  async change(type, conversationId, seq, fields = {}) {
    try {
      await this.socket.request({ type, conversation_id: conversationId, seq, ...fields });
      return true;
    } catch (error) {
      const text = error instanceof FrameError ? error.message : 'Not connected: try again once the page is back online.';
      this.store.setNotice(text === 'no such message' ? 'That message is no longer there.' : text);
      return false;
    }
  }

  /** Sends an outbox frame; it stays in the outbox until the server has it. */
  async deliver(key) {
    const frame = this.outbox.get(key);
    if (!frame || !this.socket.isOpen || this.inflight.has(key)) return;
    this.inflight.add(key);
    try {
      const reply = await this.socket.request(frame);
      this.outbox.delete(key);
      this.retries.delete(key);
      this.store.updatePending(frame.conversation_id, frame.client_msg_id, { message_id: reply.message_id });
    } catch (error) {
      if (error instanceof FrameError && error.code === 'rate_limited') {
        setTimeout(() => this.deliver(key), error.retryAfterMs ?? 1000);
      } else if (error instanceof FrameError && error.code === 'unavailable') {
        // PROTOCOL.md: the send may be on the log; the same frame again, backing off.
        const attempt = this.retries.get(key) ?? 0;
        this.retries.set(key, attempt + 1);
        setTimeout(() => this.deliver(key), reconnectDelay(attempt));
      } else if (error instanceof FrameError) {
        this.outbox.delete(key);
        this.retries.delete(key);
        this.store.updatePending(frame.conversation_id, frame.client_msg_id, { failed: error.message });
      } else if (!(error instanceof Disconnected)) {
        throw error;
      }
    } finally {
      this.inflight.delete(key);
    }
  }

  typing(conversationId) {
    this.typingReporter.typing(conversationId);
  }

  // -- receipts -----------------------------------------------------------------
  /** The person saw the messages up to ``seq`` (the page is visible). */
  seen(conversationId, seq) {
    if (document.visibilityState !== 'visible') return;
    if (this.reports.report('read', conversationId, seq)) this.store.readUpTo(conversationId, seq);
  }
}
