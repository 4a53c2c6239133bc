// The service worker (served at /sw.js, scope /): shows a notification for
// each Web Push the server sends (docs/notifications.md has the payload),
// one per conversation (a later one replaces it), and a click opens that
// conversation. It holds no token and fetches nothing: it shows only what
// the push carries (the group's title, the count, the body if the server
// includes bodies) and the names the page told it.

const NAMES_CACHE = 'names-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  event.waitUntil(notify(event.data));
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'names') event.waitUntil(rememberNames(event.data.names));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openConversation(event.notification.data?.conversation_id ?? null));
});

function parse(data) {
  try {
    const payload = data ? data.json() : {};
    return payload && typeof payload === 'object' ? payload : {};
  } catch {
    return {};
  }
}

function text(value) {
  return typeof value === 'string' ? value : '';
}

async function notify(data) {
  const payload = parse(data);
  const conversationId = text(payload.conversation_id) || null;
  const sender = (await knownNames())[text(payload.sender_id)] ?? '';
  const title = text(payload.title) || sender || 'New message';
  const summary = text(payload.summary) || 'New message';
  const from = payload.title && sender ? `${sender}: ` : '';
  const body = text(payload.body) ? `${from}${text(payload.body)}` : summary;
  await self.registration.showNotification(title, {
    body,
    tag: conversationId ?? 'chat',
    icon: '/assets/icon.svg',
    data: { conversation_id: conversationId, message_id: text(payload.message_id) || null, sender_id: text(payload.sender_id) || null },
  });
}

async function openConversation(conversationId) {
  const url = conversationId ? `/#conversation=${encodeURIComponent(conversationId)}` : '/';
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const page = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (page) {
    await page.focus();
    page.postMessage({ type: 'open', conversation_id: conversationId });
    return;
  }
  await self.clients.openWindow(url);
}

// Names (user id -> display name) the page sent, so that a notification
// can say who wrote; kept in the worker's Cache Storage, never a token.
async function rememberNames(names) {
  const cache = await caches.open(NAMES_CACHE);
  const known = { ...(await knownNames()), ...names };
  await cache.put('/names.json', new Response(JSON.stringify(known), { headers: { 'Content-Type': 'application/json' } }));
}

async function knownNames() {
  const cache = await caches.open(NAMES_CACHE);
  const stored = await cache.match('/names.json');
  return stored ? stored.json().catch(() => ({})) : {};
}
