// What the page knows: conversations (the inbox), the messages of each, the
// members' watermarks, presence, who is typing, and people's names. Every
// change fires a "change" event; the screens redraw from here.

const TYPING_SHOWN_MS = 5000;

export class ChatStore extends EventTarget {
  constructor(me) {
    super();
    this.me = me;
    this.conversations = new Map();
    this.messages = new Map(); // conversation id -> Map(seq -> message)
    this.pending = new Map(); // conversation id -> Map(client_msg_id -> message)
    this.history = new Map(); // conversation id -> {oldest, complete}: what was loaded
    this.watermarks = new Map(); // conversation id -> Map(user id -> {delivered_seq, read_seq})
    this.presence = new Map();
    this.users = new Map();
    this.typing = new Map(); // conversation id -> Map(user id -> shown until, ms)
    this.changes = new Map(); // conversation id -> highest change_seq the page has applied
    this.notice = null;
  }

  changed(what, conversationId = null) {
    this.dispatchEvent(new CustomEvent('change', { detail: { what, conversationId } }));
  }

  // -- conversations ------------------------------------------------------------
  inbox() {
    return [...this.conversations.values()].sort(
      (a, b) => b.updated_at.localeCompare(a.updated_at) || a.conversation_id.localeCompare(b.conversation_id),
    );
  }

  setInbox(conversations) {
    const known = new Map(this.conversations);
    this.conversations = new Map();
    for (const conversation of conversations) {
      const before = known.get(conversation.conversation_id);
      this.noteChange(conversation.conversation_id, conversation.last_change_seq ?? 0);
      this.conversations.set(conversation.conversation_id, laterOf(before, conversation));
    }
    this.changed('inbox');
  }

  /** A ``conversation`` push or answer; false if the person is no longer in it. */
  setConversation(conversation) {
    const id = conversation.conversation_id;
    if (!conversation.member_ids.includes(this.me)) {
      this.conversations.delete(id);
      this.changed('left', id);
      return false;
    }
    this.conversations.set(id, laterOf(this.conversations.get(id), conversation));
    this.changed('conversation', id);
    return true;
  }

  peerOf(conversation) {
    if (conversation.kind !== 'direct') return null;
    return conversation.member_ids.find((id) => id !== this.me) ?? this.me;
  }

  // -- messages -----------------------------------------------------------------
  /** A message from a push, a sync or a page. True if it was new. */
  addMessage(message) {
    const id = message.conversation_id;
    const byseq = this.messagesOf(id);
    const isNew = !byseq.has(message.seq);
    if (message.change_seq) this.noteChange(id, message.change_seq);
    byseq.set(message.seq, { ...byseq.get(message.seq), ...message });
    this.pending.get(id)?.delete(message.sender_id === this.me ? message.client_msg_id : null);
    const conversation = this.conversations.get(id);
    if (conversation && message.seq > conversation.last_seq) {
      conversation.last_seq = message.seq;
      conversation.last_message = message;
      if (message.sent_at > conversation.updated_at) conversation.updated_at = message.sent_at;
      if (message.sender_id !== this.me) conversation.unread_count += 1;
    } else if (conversation && conversation.last_message?.seq === message.seq) {
      conversation.last_message = { ...conversation.last_message, ...message };
    }
    if (message.sender_id !== this.me) this.typing.get(id)?.delete(message.sender_id);
    this.changed('message', id);
    return isNew;
  }

  /** The page holds every change up to ``changeSeq`` (for ``sync``'s ``changes``). */
  noteChange(conversationId, changeSeq) {
    if (changeSeq > (this.changes.get(conversationId) ?? 0)) this.changes.set(conversationId, changeSeq);
  }

  /** A ``message_changed`` push: the message as it is now, and the quotes
   *  of the replies to it (the server pushes only the changed message). */
  changeMessage(message) {
    for (const reply of this.messagesOf(message.conversation_id).values()) {
      if (reply.reply_to?.seq === message.seq) {
        reply.reply_to = { ...reply.reply_to, body: message.body, edited: message.edited, deleted: message.deleted };
      }
    }
    return this.addMessage(message);
  }

  messagesOf(conversationId) {
    if (!this.messages.has(conversationId)) this.messages.set(conversationId, new Map());
    return this.messages.get(conversationId);
  }

  /** Loaded messages, then the ones still being sent, in order. */
  timeline(conversationId) {
    const posted = [...this.messagesOf(conversationId).values()].sort((a, b) => a.seq - b.seq);
    const oldest = this.history.get(conversationId)?.oldest ?? 0;
    const shown = posted.filter((message) => message.seq >= oldest);
    return [...shown, ...(this.pending.get(conversationId)?.values() ?? [])];
  }

  /** A page of history was loaded (``messages`` ascending). */
  addHistory(conversationId, messages, complete) {
    for (const message of messages) this.addMessage(message);
    const byseq = this.messagesOf(conversationId);
    const before = this.history.get(conversationId)?.oldest ?? Infinity;
    let oldest = Math.min(messages.length ? messages[0].seq : Infinity, before);
    if (oldest === Infinity) oldest = 1; // an empty conversation
    while (byseq.has(oldest - 1)) oldest -= 1;
    const done = complete || !messages.length || oldest <= 1;
    this.history.set(conversationId, { oldest, complete: done });
    this.changed('history', conversationId);
  }

  /** The highest seq up to which every message is here (for ``sync``). */
  cursor(conversationId) {
    const conversation = this.conversations.get(conversationId);
    const loaded = this.history.get(conversationId);
    if (!loaded) return conversation?.last_seq ?? 0;
    const byseq = this.messagesOf(conversationId);
    let seq = loaded.oldest - 1;
    while (byseq.has(seq + 1)) seq += 1;
    return seq;
  }

  addPending(message) {
    const id = message.conversation_id;
    if (!this.pending.has(id)) this.pending.set(id, new Map());
    this.pending.get(id).set(message.client_msg_id, message);
    this.changed('message', id);
  }

  updatePending(conversationId, clientMsgId, fields) {
    const message = this.pending.get(conversationId)?.get(clientMsgId);
    if (!message) return;
    Object.assign(message, fields);
    this.changed('message', conversationId);
  }

  // -- receipts -----------------------------------------------------------------
  setWatermarks(conversationId, members) {
    const marks = new Map(members.map((m) => [m.user_id, { delivered_seq: m.delivered_seq, read_seq: m.read_seq }]));
    this.watermarks.set(conversationId, marks);
    this.changed('receipt', conversationId);
  }

  applyReceipt(receipt) {
    const marks = this.watermarks.get(receipt.conversation_id);
    if (marks) {
      const mark = marks.get(receipt.user_id) ?? { delivered_seq: 0, read_seq: 0 };
      mark.delivered_seq = Math.max(mark.delivered_seq, receipt.up_to_seq);
      if (receipt.kind === 'read') mark.read_seq = Math.max(mark.read_seq, receipt.up_to_seq);
      marks.set(receipt.user_id, mark);
    }
    if (receipt.user_id === this.me && receipt.kind === 'read') this.readUpTo(receipt.conversation_id, receipt.up_to_seq);
    this.changed('receipt', receipt.conversation_id);
  }

  /** The person read up to ``seq`` here (on this device or another). */
  readUpTo(conversationId, seq) {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return;
    if (seq >= conversation.last_seq) {
      conversation.unread_count = 0;
    } else if (this.cursor(conversationId) >= conversation.last_seq && this.history.has(conversationId)) {
      const unread = [...this.messagesOf(conversationId).values()].filter(
        (message) => message.seq > seq && message.sender_id !== this.me,
      );
      conversation.unread_count = Math.min(conversation.unread_count, unread.length);
    }
    this.changed('inbox', conversationId);
  }

  myWatermark(conversationId) {
    return this.watermarks.get(conversationId)?.get(this.me) ?? null;
  }

  // -- presence, typing, names --------------------------------------------------
  setPresence(presence) {
    this.presence.set(presence.user_id, { status: presence.status, last_seen: presence.last_seen });
    this.changed('presence');
  }

  setTyping(conversationId, userId, now = Date.now()) {
    if (!this.typing.has(conversationId)) this.typing.set(conversationId, new Map());
    this.typing.get(conversationId).set(userId, now + TYPING_SHOWN_MS);
    this.changed('typing', conversationId);
  }

  /** Who is typing in that conversation now; forgets the ones who stopped. */
  typists(conversationId, now = Date.now()) {
    const typing = this.typing.get(conversationId);
    if (!typing) return [];
    for (const [userId, until] of typing) if (until <= now) typing.delete(userId);
    return [...typing.keys()];
  }

  setUser(user) {
    this.users.set(user.user_id, user);
    this.changed('user');
  }

  setNotice(text) {
    this.notice = text;
    this.changed('notice');
  }
}

/** The newer of two copies of a conversation (by last seq, then update time). */
function laterOf(before, after) {
  if (!before) return { ...after };
  if (before.last_seq > after.last_seq) {
    return { ...after, last_seq: before.last_seq, last_message: before.last_message, updated_at: before.updated_at };
  }
  return { ...after };
}
