/**
 * An ordered credential chain: the first source that yields credentials wins. When none does, the
 * caller gets a bare 500 and the log says which sources were tried and why each had nothing.
 *
 * @module
 */
import { serverError } from '../errors.js';
import type { Invocation } from '../invocation.js';
import { errorFields, type Logger } from '../log.js';
import type { CredentialSource, RoleCredentials } from './types.js';

export interface ResolvedCredentials {
  readonly credentials: RoleCredentials;
  readonly source: string;
}

export function credentialChain(sources: readonly CredentialSource[], logger: Logger) {
  return async function resolveCredentials(invocation: Invocation): Promise<ResolvedCredentials> {
    const skipped: string[] = [];
    for (const source of sources) {
      try {
        const credentials = await source.resolve(invocation, logger);
        if (credentials) return { credentials, source: source.name };
        skipped.push(`${source.name}: ${source.whenEmpty ?? 'nothing configured'}`);
      } catch (error) {
        const { errorMessage } = errorFields(error);
        skipped.push(`${source.name}: ${String(errorMessage ?? 'failed')}`);
      }
    }
    logger.log('error', 'no role credentials available', { tried: skipped });
    throw serverError();
  };
}

/** Credentials from three environment variables; both key parts are required, the token is optional. */
export function envCredentialSource(name: string, idVar: string, secretVar: string, tokenVar: string): CredentialSource {
  return {
    name,
    async resolve({ env }) {
      const accessKeyId = env[idVar]?.trim();
      const accessKeySecret = env[secretVar]?.trim();
      if (!accessKeyId || !accessKeySecret) return undefined;
      return { accessKeyId, accessKeySecret, securityToken: env[tokenVar]?.trim() || undefined };
    },
  };
}

/** Credentials the platform passed with the invocation. */
export const invocationCredentialSource: CredentialSource = {
  name: 'invocation-context',
  async resolve(invocation) {
    return invocation.platformCredentials;
  },
};
