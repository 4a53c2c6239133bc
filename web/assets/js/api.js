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
}
