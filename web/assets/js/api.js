// The HTTP API (PROTOCOL.md): JSON bodies, the bearer token in a header,
// errors as {"error": {"code", "message"}}.

export class ApiError extends Error {
  constructor(status, code, message, retryAfterSeconds = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const path = (...parts) => parts.map((part) => encodeURIComponent(part)).join('/');

export class Api {
  /** ``onUnauthorized`` runs when a call with a token gets 401 (the session ended). */
  constructor(token = null, onUnauthorized = () => {}) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, url, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
      });
    } catch {
      throw new ApiError(0, 'unavailable', 'The server cannot be reached.');
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    const detail = data?.error ?? {};
    const retryAfter = Number(response.headers.get('Retry-After')) || null;
    if (response.status === 401 && this.token) this.onUnauthorized();
    throw new ApiError(response.status, detail.code ?? 'unavailable', detail.message ?? response.statusText, retryAfter);
  }

  // -- accounts -----------------------------------------------------------------
  register(handle, password, displayName) {
    const body = { handle, password };
    if (displayName) body.display_name = displayName;
    return this.request('POST', '/v1/users', body);
  }

  login(handle, password) {
    return this.request('POST', '/v1/sessions', { handle, password });
  }

  logout() {
    return this.request('DELETE', '/v1/sessions/current');
  }

  userByHandle(handle) {
    return this.request('GET', `/v1/users?handle=${encodeURIComponent(handle)}`);
  }

  user(userId) {
    return this.request('GET', `/v1/users/${path(userId)}`);
  }

  presence(userId) {
    return this.request('GET', `/v1/users/${path(userId)}/presence`);
  }

  /** Discovery: {ws_url, edge_id} of the edge that serves this user. */
  edge() {
    return this.request('GET', '/v1/edge');
  }

  // -- conversations ------------------------------------------------------------
  inbox() {
    return this.request('GET', '/v1/conversations');
  }

  conversation(conversationId) {
    return this.request('GET', `/v1/conversations/${path(conversationId)}`);
  }

  /** ``before``: the page just before that seq; none: the latest page. */
  messages(conversationId, { before = null, limit = 50 } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before !== null) query.set('before_seq', String(before));
    return this.request('GET', `/v1/conversations/${path(conversationId)}/messages?${query}`);
  }

  receipts(conversationId) {
    return this.request('GET', `/v1/conversations/${path(conversationId)}/receipts`);
  }

  startDirect(peerId) {
    return this.request('POST', '/v1/conversations', { kind: 'direct', peer_id: peerId });
  }

  createGroup(title, memberIds) {
    return this.request('POST', '/v1/conversations', { kind: 'group', title, member_ids: memberIds });
  }

  addMembers(conversationId, userIds) {
    return this.request('POST', `/v1/conversations/${path(conversationId)}/members`, { user_ids: userIds });
  }

  /** Removing oneself is leaving. */
  removeMember(conversationId, userId) {
    return this.request('DELETE', `/v1/conversations/${path(conversationId, 'members', userId)}`);
  }

  rename(conversationId, title) {
    return this.request('PATCH', `/v1/conversations/${path(conversationId)}`, { title });
  }

  // -- friends, blocks, directory -------------------------------------------------
  searchUsers(prefix, limit = 20) {
    const query = new URLSearchParams({ q: prefix, limit: String(limit) });
    return this.request('GET', `/v1/users/search?${query}`);
  }

  friends() {
    return this.request('GET', '/v1/friends');
  }

  friendRequests() {
    return this.request('GET', '/v1/friends/requests');
  }

  askFriend(userId) {
    return this.request('POST', '/v1/friends/requests', { user_id: userId });
  }

  acceptFriend(userId) {
    return this.request('POST', `/v1/friends/requests/${path(userId)}/accept`);
  }

  /** Declines an incoming request, or cancels an outgoing one. */
  dropFriendRequest(userId) {
    return this.request('DELETE', `/v1/friends/requests/${path(userId)}`);
  }

  removeFriend(userId) {
    return this.request('DELETE', `/v1/friends/${path(userId)}`);
  }

  block(userId) {
    return this.request('POST', '/v1/blocks', { user_id: userId });
  }

  // -- search -----------------------------------------------------------------------
  /** ``before``: the ``next`` of the previous page. */
  search(text, before = null, limit = 20) {
    const query = new URLSearchParams({ q: text, limit: String(limit) });
    if (before) query.set('before', before);
    return this.request('GET', `/v1/search?${query}`);
  }

  // -- media ------------------------------------------------------------------------
  /** One request with the whole file; the answer is its ``<media>``. */
  async uploadMedia(file) {
    return this.raw('POST', '/v1/media', { body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } })
      .then((response) => response.json());
  }

  /** The media's bytes (``part`` '' or '/thumbnail') as a Blob. */
  async mediaBlob(mediaId, part = '') {
    const response = await this.raw('GET', `/v1/media/${path(mediaId)}${part}`, { cache: 'default' });
    return response.blob();
  }

  /** A finished tus upload's ``<media>``. */
  finishedUpload(url) {
    return this.request('GET', url);
  }

  /** A request whose answer is not JSON; errors as ApiError. */
  async raw(method, url, { body, headers = {}, cache = 'no-store' } = {}) {
    let response;
    try {
      response = await fetch(url, {
        method, body, cache, credentials: 'omit', redirect: 'error',
        headers: { ...headers, Authorization: `Bearer ${this.token}` },
      });
    } catch {
      throw new ApiError(0, 'unavailable', 'The server cannot be reached.');
    }
    if (response.ok) return response;
    const detail = (await response.json().catch(() => null))?.error ?? {};
    if (response.status === 401) this.onUnauthorized();
    throw new ApiError(response.status, detail.code ?? 'unavailable', detail.message ?? response.statusText);
  }

  // -- push notifications -------------------------------------------------------------
  vapidPublicKey() {
    return this.request('GET', '/v1/push/vapid-public-key');
  }

  /** ``subscription``: a PushSubscription's toJSON(). */
  registerWebPush(subscription) {
    const { endpoint, keys } = subscription;
    return this.request('POST', '/v1/devices', { kind: 'webpush', endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
  }
}
