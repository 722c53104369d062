// @ts-check
/**
 * The demo's stand-in for an app's login: a development JWT from the demo site's own origin
 * (`GET /dev-login?sub=…`, see local/demo-site.ts), held like an app holds its session. The browser client
 * calls `getToken` on every `getCredentials()`, so `getToken` answers from the session and only logs in
 * again when the token is close to expiring, as an app's auth library would.
 *
 * @module
 */

/** The development login failed, so no token request was made. */
export class LoginError extends Error {
  name = 'LoginError';
}

/** Log in again when less than this is left of the token (development tokens live five minutes). */
const RENEW_BEFORE_EXPIRY_MS = 60_000;

/**
 * @typedef {object} DevelopmentSession
 * @property {(subject: string) => void} signIn Starts a session for `subject` (the next getToken logs in).
 * @property {() => Promise<string>} getToken The session's JWT, from memory while it is fresh.
 */

/**
 * @param {string} loginPath same-origin path of the development login
 * @returns {DevelopmentSession}
 */
export function developmentSession(loginPath) {
  /** @type {{ subject: string, token: Promise<string> | undefined, expiresAtMs: number }} */
  let session = { subject: '', token: undefined, expiresAtMs: 0 };

  /** @param {string} subject */
  async function logIn(subject) {
    let response;
    try {
      response = await fetch(`${loginPath}?sub=${encodeURIComponent(subject)}`, { cache: 'no-store' });
    } catch {
      throw new LoginError('the development login is unreachable: is npm start still running?');
    }
    if (!response.ok) throw new LoginError(`the development login answered HTTP ${response.status}`);
    return response.text();
  }

  return {
    signIn(subject) {
      session = { subject, token: undefined, expiresAtMs: 0 };
    },
    async getToken() {
      const current = session;
      if (!current.token || Date.now() >= current.expiresAtMs - RENEW_BEFORE_EXPIRY_MS) {
        // One login for all the callers that find the session stale at the same moment.
        current.token = logIn(current.subject);
        current.expiresAtMs = Number.POSITIVE_INFINITY;
        current.token.then(
          (token) => (current.expiresAtMs = expiryOf(token)),
          () => (current.token = undefined),
        );
      }
      return current.token;
    },
  };
}

/**
 * When the token expires, in ms, read from its payload (unverified: only to know when to log in again).
 * An unreadable token counts as expiring now, so the next call logs in afresh.
 * @param {string} token
 */
function expiryOf(token) {
  try {
    const payload = token.split('.')[1] ?? '';
    const { exp } = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}
