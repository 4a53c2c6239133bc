// Where the session token lives: in this tab's sessionStorage (and memory),
// never in localStorage or a cookie (docs/security.md, "The web client").
// It survives a reload of the tab and goes when the tab closes.

const KEY = 'chat.session';

/** The session this tab logged in with, unless it expired. */
export function savedSession(now = Date.now()) {
  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    session = null;
  }
  if (!session || typeof session.token !== 'string' || !(Date.parse(session.expires_at) > now)) {
    forgetSession();
    return null;
  }
  return session;
}

export function rememberSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function forgetSession() {
  sessionStorage.removeItem(KEY);
}
