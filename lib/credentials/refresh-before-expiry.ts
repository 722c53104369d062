/**
 * Keeps the credentials of a source that fetches them (metadata service, credentials URI) until shortly
 * before they expire, as the official credential chains do: fetching on every request would put a
 * metadata round trip on every STS call, and a burst of requests would hit the metadata service at once.
 *
 * - Reused until `refreshMarginMs` (minutes) before expiry; then one refresh, shared by every caller
 *   that arrives while it runs.
 * - A refresh that fails while the old credentials are still valid keeps serving them, with a warning;
 *   the next caller tries again. Credentials past their expiry are never returned.
 * - Credentials without an expiry are not kept: such a source is read on every call.
 *
 * @module
 */
import type { Invocation } from '../invocation.js';
import { errorFields, type Logger } from '../log.js';
import type { CredentialSource, RoleCredentials } from './types.js';

export interface RefreshOptions {
  /** How long before expiry to fetch new credentials (default 5 minutes). */
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

export function refreshBeforeExpiry(source: CredentialSource, options: RefreshOptions = {}): CredentialSource {
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  const now = options.now ?? Date.now;
  let current: RoleCredentials | undefined;
  let refreshing: Promise<RoleCredentials | undefined> | undefined;

  const valid = (credentials: RoleCredentials | undefined): credentials is RoleCredentials =>
    credentials?.expiresAt !== undefined && now() < credentials.expiresAt.getTime();
  const fresh = (credentials: RoleCredentials | undefined) => valid(credentials) && now() < credentials.expiresAt!.getTime() - margin;

  async function refresh(invocation: Invocation, logger: Logger): Promise<RoleCredentials | undefined> {
    const previous = current;
    try {
      const next = await source.resolve(invocation, logger);
      if (next?.expiresAt && !valid(next)) throw new Error('the credentials it returned have already expired');
      // Kept only while it has an expiry to go by; otherwise it is read again next time.
      current = next?.expiresAt ? next : undefined;
      return next;
    } catch (error) {
      if (!valid(previous)) {
        current = undefined;
        throw error;
      }
      logger.log('warn', 'credential refresh failed; using the current credentials until they expire', {
        source: source.name,
        expiresAt: previous.expiresAt!.toISOString(),
        ...errorFields(error),
      });
      return previous;
    }
  }

  return {
    name: source.name,
    ...(source.whenEmpty === undefined ? {} : { whenEmpty: source.whenEmpty }),
    async resolve(invocation, logger) {
      if (fresh(current)) return current;
      refreshing ??= refresh(invocation, logger).finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
  };
}
