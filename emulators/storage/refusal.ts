/**
 * What every check of a storage stand-in hands back: who signed and the security token the request
 * carried, or the service's refusal. Kept apart from the server so that the per-service checks (header,
 * query string, POST form) and the server depend on it rather than on each other.
 *
 * @module
 */

/** Thrown inside a stand-in to refuse a request with the service's status and error code. */
export class StorageRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly accessKeyId?: string,
  ) {
    super(message);
  }
}

/** How a request was authenticated: an Authorization header, a presigned URL, or a POST form. */
export type AuthenticatedBy = 'header' | 'query' | 'form';

/**
 * Who signed a request and whether the signature is right. On success, `securityToken` is the token the
 * request carried where the service looks for it for this kind of request (undefined when absent).
 */
export type SignatureCheck =
  | { readonly ok: true; readonly accessKeyId: string; readonly securityToken: string | undefined; readonly by: AuthenticatedBy }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly accessKeyId?: string; readonly status?: number };

/** A failed check as the refusal the server answers with (403 unless the check names another status). */
export function refusalOf(check: Extract<SignatureCheck, { ok: false }>): StorageRefusal {
  return new StorageRefusal(check.status ?? 403, check.code, check.message, check.accessKeyId);
}
