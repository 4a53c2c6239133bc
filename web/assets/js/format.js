// Times as people read them: "just now", "5 min ago", "12:04".

/** How long ago ``iso`` was, from ``now`` (milliseconds). */
export function relativeTime(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return `on ${new Date(then).toLocaleDateString()}`;
}

/** "online", "last seen 5 min ago", or "offline" (never seen online). */
export function presenceText(presence, now = Date.now()) {
  if (!presence) return '';
  if (presence.status === 'online') return 'online';
  if (presence.last_seen) return `last seen ${relativeTime(presence.last_seen, now)}`;
  return 'offline';
}

/** The time of day of ``iso`` (hours and minutes, in the person's locale). */
export function clockTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** The time of day today, else the date. */
export function shortTime(iso, now = Date.now()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return clockTime(iso);
  return date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}
