// The page's own receipts: "delivered" up to the last message that reached
// it, "read" up to the last one the person saw. Reports are coalesced per
// conversation, never repeat a watermark already reported, and wait for the
// socket when it is down.

import { Disconnected } from './socket.js';

const REPORT_AFTER_MS = 150;

export class ReceiptReports {
  constructor(socket) {
    this.socket = socket;
    this.reported = { delivered: new Map(), read: new Map() }; // conversation -> seq
    this.due = new Map(); // "kind|conversation" -> seq
    this.timer = null;
  }

  /** Reports ``kind`` ("delivered" or "read") up to ``seq`` unless already done. */
  report(kind, conversationId, seq) {
    if (this.done(kind, conversationId) >= seq) return false;
    const key = `${kind}|${conversationId}`;
    this.due.set(key, Math.max(seq, this.due.get(key) ?? 0));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), REPORT_AFTER_MS);
    return true;
  }

  done(kind, conversationId) {
    return this.reported[kind].get(conversationId) ?? 0;
  }

  /** What the server already has (a read implies delivered). */
  note(conversationId, delivered, read) {
    const { delivered: d, read: r } = this.reported;
    d.set(conversationId, Math.max(d.get(conversationId) ?? 0, delivered, read));
    r.set(conversationId, Math.max(r.get(conversationId) ?? 0, read));
  }

  flush() {
    if (!this.socket.isOpen) return;
    const due = [...this.due];
    this.due.clear();
    for (const [key, seq] of due) {
      const [kind, conversationId] = key.split('|');
      if (this.done(kind, conversationId) >= seq) continue;
      this.note(conversationId, seq, kind === 'read' ? seq : 0);
      const frame = { type: kind, conversation_id: conversationId, up_to_seq: seq };
      this.socket.request(frame).catch((error) => {
        if (!(error instanceof Disconnected)) return;
        this.forget(kind, conversationId, seq);
        this.due.set(key, Math.max(seq, this.due.get(key) ?? 0));
      });
    }
  }

  forget(kind, conversationId, seq) {
    const map = this.reported[kind];
    if (map.get(conversationId) === seq) map.delete(conversationId);
  }

  stop() {
    clearTimeout(this.timer);
  }
}
