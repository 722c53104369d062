/**
 * Which of a token's grants an upload goes under, and the limits it is signed with. Decided before any
 * signing key is fetched, so a refusal costs no STS call and produces no signature.
 *
 * 1. The grants whose rule includes `put` (on every cloud: a rule whose limits keys cannot hold uploads
 *    here, which is what signed uploads are for);
 * 2. `rule`: only that rule's grants (a rule that does not apply to the token, or cannot upload, is 403);
 * 3. `key`: only grants whose prefix the key lies under (none is 403);
 * 4. the first of those whose limits the upload fits: `size` within the rule's `maxSize` and the
 *    deployment's `UPLOAD_MAX_SIZE`, `contentType` among the rule's `contentTypes` (by media type,
 *    parameters aside, case-insensitively). None fits: 403 naming the first one's limit.
 *
 * @module
 */
import { insufficientScope } from '../errors.js';
import { contentTypeMatches, type PrefixGrant } from '../rules/grants.js';
import type { UploadRequest } from './requests.js';

export interface UploadGrant {
  readonly grant: PrefixGrant;
  /** The largest size the form accepts: the rule's `maxSize` or the deployment's ceiling, whichever is lower. */
  readonly maxSize: number;
  /** Whether that size is a limit (a rule's, or a lowered ceiling) rather than the cloud's own maximum. */
  readonly sizeLimited: boolean;
}

export interface UploadLimits {
  /** `UPLOAD_MAX_SIZE`. */
  readonly maxSize: number;
  /** Whether `UPLOAD_MAX_SIZE` is below the cloud's own maximum. */
  readonly maxSizeLowered: boolean;
}

/** `image/PNG; charset=x` → `image/png`: what a rule's content types are compared with. */
export const mediaTypeOf = (contentType: string): string => (contentType.split(';')[0] as string).trim().toLowerCase();

const quoted = (prefixes: readonly string[]) => [...new Set(prefixes)].map((p) => `"${p}"`).join(', ');

export function chooseUploadGrant(grants: readonly PrefixGrant[], request: UploadRequest, limits: UploadLimits): UploadGrant {
  let candidates = grants.filter((g) => g.actions.includes('put'));
  if (request.rule !== undefined) {
    const named = grants.filter((g) => g.rule === request.rule);
    if (named.length === 0) throw insufficientScope(`rule "${request.rule}" does not apply to this token`, 'upload_not_granted');
    candidates = named.filter((g) => g.actions.includes('put'));
    if (candidates.length === 0) throw insufficientScope(`rule "${request.rule}" does not allow uploads`, 'upload_not_granted');
  }
  if (candidates.length === 0) throw insufficientScope('no access rule lets this token upload', 'upload_not_granted');
  if (request.key !== undefined) {
    const key = request.key;
    const covering = candidates.filter((g) => key.startsWith(g.prefix));
    // The prefixes are the caller's own (rendered from its verified claims), so they may be echoed.
    if (covering.length === 0) throw insufficientScope(`key must lie under a prefix this token may upload to: ${quoted(candidates.map((g) => g.prefix))}`, 'upload_not_granted');
    candidates = covering;
  }

  const fitted = candidates.map((grant) => fit(grant, request, limits));
  const chosen = fitted.find((f): f is UploadGrant => !('refusal' in f));
  if (chosen) return chosen;
  throw (fitted[0] as { refusal: Error }).refusal;
}

function fit(grant: PrefixGrant, request: UploadRequest, limits: UploadLimits): UploadGrant | { refusal: Error } {
  const ruleLimit = grant.maxSize !== undefined && grant.maxSize <= limits.maxSize;
  const maxSize = ruleLimit ? (grant.maxSize as number) : limits.maxSize;
  if (request.size > maxSize) {
    const whose = ruleLimit ? `rule "${grant.rule}"` : "this deployment's uploads";
    return { refusal: insufficientScope(`size is over the ${maxSize}-byte limit of ${whose}`, 'over_size_limit') };
  }
  const type = mediaTypeOf(request.contentType);
  if (grant.contentTypes !== undefined && !grant.contentTypes.some((pattern) => contentTypeMatches(pattern, type))) {
    return { refusal: insufficientScope(`contentType must be one of ${grant.contentTypes.join(', ')} for rule "${grant.rule}"`, 'content_type_not_allowed') };
  }
  return { grant, maxSize, sizeLimited: ruleLimit || limits.maxSizeLowered };
}
