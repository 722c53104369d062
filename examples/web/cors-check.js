// @ts-check
/**
 * Telling a CORS refusal from a network fault. A browser reports both to scripts the same way (`fetch`
 * rejects with a TypeError, so the client says `network_error`), but the token service saw the refused
 * preflight; the demo site beside it (same origin as this page) reports what it answered this origin
 * (`GET /cors-check?path=…`, see local/demo-site.ts).
 *
 * @module
 */

/** The token service refused this page's origin in a CORS preflight; retrying will not help. */
export class CorsRefusedError extends Error {
  name = 'CorsRefusedError';
  /** @param {string} origin */
  constructor(origin) {
    super(`the token service refused this origin (${origin}): add it to CORS_ALLOWED_ORIGINS`);
    this.origin = origin;
  }
}

/**
 * The CorsRefusedError for `path` when the token service refused this origin's last preflight to it;
 * undefined when it allowed it, saw none, or the demo site cannot say.
 * @param {string} corsCheckPath same-origin path of the check
 * @param {string} path the token function's route, e.g. `/aliyun`
 * @returns {Promise<CorsRefusedError | undefined>}
 */
export async function corsRefusal(corsCheckPath, path) {
  try {
    const response = await fetch(`${corsCheckPath}?path=${encodeURIComponent(path)}`, { cache: 'no-store' });
    if (!response.ok) return undefined;
    const check = await response.json();
    return check.preflight === 'refused' && typeof check.origin === 'string' ? new CorsRefusedError(check.origin) : undefined;
  } catch {
    return undefined;
  }
}
