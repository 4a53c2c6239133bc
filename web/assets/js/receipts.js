// The ticks of one's own messages, from the members' watermarks
// (docs/protocol.md, "Message status"): sent, delivered to every recipient,
// read by every recipient; in a group also "read by 3 of 4".

/** ``watermarks``: Map user id -> {delivered_seq, read_seq}, or null when not
 *  known yet (then the status fields the server put on the message count). */
export function messageTick(message, memberIds, watermarks, me) {
  if (message.failed) return { state: 'failed', reason: message.failed };
  if (message.seq === undefined || message.seq === null) {
    return { state: message.message_id ? 'sent' : 'pending' };
  }
  if (!watermarks) return tickFromServer(message);
  const recipients = memberIds.filter((id) => id !== me);
  let delivered = 0;
  let read = 0;
  for (const id of recipients) {
    const mark = watermarks.get(id);
    if (!mark) continue;
    if (mark.read_seq >= message.seq) read += 1;
    if (mark.read_seq >= message.seq || mark.delivered_seq >= message.seq) delivered += 1;
  }
  return withState(recipients.length, delivered, read);
}

function tickFromServer(message) {
  if (typeof message.recipients !== 'number') return { state: 'sent' };
  return withState(message.recipients, message.delivered_count, message.read_count);
}

function withState(recipients, delivered, read) {
  let state = 'sent';
  if (recipients && read === recipients) state = 'read';
  else if (recipients && delivered === recipients) state = 'delivered';
  return { state, recipients, delivered, read };
}

/** What a tick says, in words. */
export function tickLabel(tick, isGroup) {
  switch (tick.state) {
    case 'pending': return 'Sending';
    case 'failed': return `Not sent: ${tick.reason}`;
    default: break;
  }
  if (isGroup && tick.recipients) {
    return `Read by ${tick.read} of ${tick.recipients}, delivered to ${tick.delivered} of ${tick.recipients}`;
  }
  return { sent: 'Sent', delivered: 'Delivered', read: 'Read' }[tick.state];
}

/** The tick's symbol: one check for sent, two for delivered and read. */
export function tickSymbol(tick) {
  return { pending: '\u25cb', failed: '!', sent: '\u2713', delivered: '\u2713\u2713', read: '\u2713\u2713' }[tick.state];
}
