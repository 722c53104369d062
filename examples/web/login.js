// @ts-check
/**
 * The demo's stand-in for an app's login: a development JWT from the local token service's identity
 * provider (`GET /dev/token?sub=…`). A real app would return its own session's JWT instead.
 *
 * @module
 */

/** The development login failed, so no token request was made. */
export class LoginError extends Error {
  name = 'LoginError';
}

/**
 * A fresh development JWT for `subject`. Fetched on every call: the client asks for a token on each
 * network request, and a fresh one never expires mid-demo (they live five minutes).
 * @param {string} tokenService the token service's origin
 * @param {string} tokenPath
 * @param {string} subject
 * @returns {Promise<string>}
 */
export async function developmentToken(tokenService, tokenPath, subject) {
  let response;
  try {
    response = await fetch(`${tokenService}${tokenPath}?sub=${encodeURIComponent(subject)}`, { cache: 'no-store' });
  } catch {
    throw new LoginError(`development login unreachable at ${tokenService}${tokenPath}: is npm start still running?`);
  }
  if (!response.ok) throw new LoginError(`development login answered HTTP ${response.status}`);
  return response.text();
}
