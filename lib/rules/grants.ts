/**
 * Rules + verified claims → the grants a token gets: the union of the rules whose `when` holds, each
 * rendered to its prefix (or one prefix per value of an array claim). And the meaning of those grants:
 * whether they allow one action on one key, which `npm run rules -- test` and the signing paths ask.
 *
 * @module
 */
import type { Action } from '../scope/actions.js';
import type { RenderOptions } from '../scope/prefix-template.js';
import { holds } from './conditions.js';
import type { AccessRules } from './document.js';

/** One prefix a token may act on, from one rule. */
export interface PrefixGrant {
  readonly rule: string;
  /** Relative object-key prefix ending in `/`. */
  readonly prefix: string;
  readonly actions: readonly Action[];
  readonly maxSize?: number | undefined;
  readonly contentTypes?: readonly string[] | undefined;
  /**
   * Set when the rule limits uploads and this cloud's key policies cannot hold the limit: the keys then
   * grant no `put` here (it is not in `actions`), and uploads go through signed uploads instead.
   */
  readonly signedUploads?: true | undefined;
}

/** What one request to storage does, for {@link grantsAllow}. */
export interface StorageRequest {
  readonly action: Action;
  /** The object key; for `list`, the listing prefix. */
  readonly key: string;
  /** Bytes uploaded and the upload's Content-Type, for `put`: a limit holds only when the value is given and within it. */
  readonly size?: number | undefined;
  readonly contentType?: string | undefined;
}

export const hasUploadLimits = (grant: Pick<PrefixGrant, 'maxSize' | 'contentTypes'>): boolean => grant.maxSize !== undefined || grant.contentTypes !== undefined;

/** The grants of every rule whose `when` holds, in document order; throws 403 for a claim a prefix cannot use. */
export function applicableGrants(access: AccessRules, claims: Readonly<Record<string, unknown>>, options: RenderOptions = {}): PrefixGrant[] {
  const render = { ...options, maxClaimLength: access.maxClaimLength };
  return access.rules.flatMap((rule) =>
    rule.when === undefined || holds(rule.when, claims)
      ? rule.prefix.expand(claims, render).map((prefix) => ({
          rule: rule.name,
          prefix,
          actions: rule.actions,
          ...(rule.maxSize === undefined ? {} : { maxSize: rule.maxSize }),
          ...(rule.contentTypes === undefined ? {} : { contentTypes: rule.contentTypes }),
        }))
      : [],
  );
}

/** Whether any grant allows the request: its action on a key under its prefix, within its upload limits. */
export function grantsAllow(grants: readonly PrefixGrant[], request: StorageRequest): boolean {
  return grants.some(
    (grant) =>
      grant.actions.includes(request.action) &&
      request.key.startsWith(grant.prefix) &&
      (request.action !== 'put' || withinLimits(grant, request)),
  );
}

function withinLimits(grant: PrefixGrant, request: StorageRequest): boolean {
  if (grant.maxSize !== undefined && !(request.size !== undefined && request.size <= grant.maxSize)) return false;
  return grant.contentTypes === undefined || (request.contentType !== undefined && grant.contentTypes.some((type) => contentTypeMatches(type, request.contentType as string)));
}

/** `image/png` matches itself; `image/*` matches any `image/<subtype>`. */
export const contentTypeMatches = (pattern: string, contentType: string): boolean =>
  pattern.endsWith('/*') ? contentType.startsWith(pattern.slice(0, -1)) && contentType.length > pattern.length - 1 : contentType === pattern;
