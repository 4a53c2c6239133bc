// The person's own "typing" frames: one every 2.5 s at most while they type
// (a keystroke in between is sent when the wait is over), and a new one
// soon after each message they send (the server relays one a second).

const EVERY_MS = 2500;
const AFTER_SEND_MS = 1100;

export class TypingReporter {
  constructor(socket) {
    this.socket = socket;
    this.last = new Map(); // conversation -> when the last "typing" went
    this.later = new Map(); // conversation -> timer of a "typing" held back
    this.sentSince = new Set(); // conversations where a message went since
  }

  typing(conversationId) {
    const gap = this.sentSince.has(conversationId) ? AFTER_SEND_MS : EVERY_MS;
    const wait = (this.last.get(conversationId) ?? -Infinity) + gap - Date.now();
    if (wait > 0) {
      if (!this.later.has(conversationId)) {
        this.later.set(conversationId, setTimeout(() => {
          this.later.delete(conversationId);
          this.typing(conversationId);
        }, wait));
      }
      return;
    }
    this.last.set(conversationId, Date.now());
    this.sentSince.delete(conversationId);
    this.socket.send({ type: 'typing', conversation_id: conversationId });
  }

  /** A message went: no "typing" held back for it, and the next one soon. */
  messageSent(conversationId) {
    clearTimeout(this.later.get(conversationId));
    this.later.delete(conversationId);
    this.sentSince.add(conversationId);
  }

  stop() {
    for (const timer of this.later.values()) clearTimeout(timer);
    this.later.clear();
  }
}
