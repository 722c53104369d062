/**
 * The `uploads` and `downloads` routes: one object, one request, signed here with the signing role's keys
 * instead of handing out keys (issue 16).
 *
 *   uploads:   JWT + limit → body → the token's grants → the grant and limits (or 403) → the key →
 *              signing keys → a POST Object form or a presigned PUT URL
 *   downloads: JWT + limit → body → the token's grants allow `get` on the key (or 403) →
 *              signing keys → a presigned GET URL
 *
 * Every refusal is decided before the signing keys are asked for, so a refused request makes no STS call
 * and no signature. The answers are the shapes `docs/endpoint.md` and the browser client hold to, field
 * for field.
 *
 * @module
 */
import type { CloudPlugin } from '../clouds/types.js';
import { insufficientScope, invalidRequest } from '../errors.js';
import type { ServiceRequest } from '../invocation.js';
import type { RequestGate } from '../request-gate.js';
import { applicableGrants, grantsAllow, type PrefixGrant } from '../rules/grants.js';
import type { Grant } from '../scope/resolve-scope.js';
import type { ObjectSigner, StorageProvider } from '../sign/types.js';
import type { UploadConfig } from './config.js';
import { newObjectKey } from './object-keys.js';
import { parseDownloadRequest, parseUploadRequest } from './requests.js';
import type { SigningKeysProvider } from './signing-role.js';
import { chooseUploadGrant } from './upload-grant.js';

export interface SignedPostAnswer {
  readonly provider: StorageProvider;
  readonly method: 'POST';
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly key: string;
  readonly expiration: string;
  readonly maxSize: number;
  readonly contentType: string;
}

export interface SignedPutAnswer {
  readonly provider: StorageProvider;
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly key: string;
  readonly expiration: string;
}

export interface SignedGetAnswer {
  readonly provider: StorageProvider;
  readonly method: 'GET';
  readonly url: string;
  readonly expiration: string;
}

export interface SigningRoutesDeps {
  readonly cloud: Pick<CloudPlugin, 'id' | 'claimValueProblem'>;
  readonly signer: ObjectSigner;
  readonly grant: Grant;
  readonly config: UploadConfig;
  readonly admit: RequestGate;
  /** Undefined when no rule grants `get` or `put`: every request is then refused before it would be needed. */
  readonly signingKeys: SigningKeysProvider | undefined;
  readonly now?: () => number;
}

/** Second precision, as the keys route writes `expiration`. */
const seconds = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

const quoted = (grants: readonly PrefixGrant[]) => [...new Set(grants.map((g) => `"${g.prefix}"`))].join(', ');

export function createSigningRoutes(deps: SigningRoutesDeps) {
  const { cloud, signer, grant, config } = deps;
  const provider = signer.provider;
  const now = deps.now ?? Date.now;
  const location = { bucket: grant.bucket, region: grant.region, endpoint: config.endpoint, addressing: config.addressing };

  const grantsOf = (claims: Readonly<Record<string, unknown>>) =>
    applicableGrants(grant.access, claims, cloud.claimValueProblem ? { claimValueProblem: cloud.claimValueProblem } : {});

  /** A key the cloud would refuse is the caller's mistake: said before any keys are fetched. */
  const checkKeyLength = (key: string) => {
    const max = signer.capabilities.maxKeyBytes;
    if (Buffer.byteLength(key, 'utf8') > max) throw invalidRequest(`key must be at most ${max} bytes in UTF-8 on ${provider}`);
  };

  async function signingKeys(lifetime: number, request: ServiceRequest) {
    if (!deps.signingKeys) throw new Error('a grant allowed a signature, but no signing role was planned');
    return deps.signingKeys.forSignature(lifetime, request.invocation, request.trace);
  }

  async function uploads(request: ServiceRequest): Promise<SignedPostAnswer | SignedPutAnswer> {
    const claims = await deps.admit(request);
    const body = parseUploadRequest(request.body);
    const chosen = chooseUploadGrant(grantsOf(claims), body, config);
    if (body.method === 'put' && chosen.sizeLimited && !signer.capabilities.putBindsSize) {
      throw insufficientScope(
        `a ${provider} presigned PUT cannot bind the upload's size, and uploads under rule "${chosen.grant.rule}" are limited to ${chosen.maxSize} bytes: use method "post"`,
        'put_size_unbindable',
      );
    }
    const key = body.key ?? newObjectKey(chosen.grant.prefix, body.filename);
    checkKeyLength(key);

    const { keys, expiresIn } = await signingKeys(config.urlSeconds, request);
    const signing = { ...location, credentials: keys, key, contentType: body.contentType, expiresIn, now: new Date(now()) };
    if (body.method === 'post') {
      const form = signer.signPostForm({ ...signing, maxSize: chosen.maxSize });
      return { provider, method: 'POST', url: form.url, fields: form.fields, key, expiration: seconds(form.expiration), maxSize: chosen.maxSize, contentType: body.contentType };
    }
    const { putBindsSize, putForbidsOverwrite } = signer.capabilities;
    const put = signer.presignPut({ ...signing, contentLength: putBindsSize ? body.size : undefined, forbidOverwrite: putForbidsOverwrite });
    return { provider, method: 'PUT', url: put.url, headers: put.headers, key, expiration: seconds(put.expiration) };
  }

  async function downloads(request: ServiceRequest): Promise<SignedGetAnswer> {
    const claims = await deps.admit(request);
    const body = parseDownloadRequest(request.body);
    const grants = grantsOf(claims);
    if (!grantsAllow(grants, { action: 'get', key: body.key })) {
      const readable = grants.filter((g) => g.actions.includes('get'));
      throw insufficientScope(
        readable.length === 0 ? 'no access rule lets this token read' : `key must lie under a prefix this token may read: ${quoted(readable)}`,
        'download_not_granted',
      );
    }
    checkKeyLength(body.key);

    const { keys, expiresIn } = await signingKeys(Math.min(body.expiresIn ?? config.urlSeconds, config.urlSeconds), request);
    const get = signer.presignGet({ ...location, credentials: keys, key: body.key, filename: body.filename, expiresIn, now: new Date(now()) });
    return { provider, method: 'GET', url: get.url, expiration: seconds(get.expiration) };
  }

  return { uploads, downloads };
}
