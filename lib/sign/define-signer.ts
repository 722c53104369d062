/**
 * What a signed upload or download is, whatever the cloud: the checks, the headers a PUT must carry, the
 * download name, the shape of the answers. A cloud contributes only how it signs a POST form and a URL.
 *
 * @module
 */
import { attachmentDisposition } from './content-disposition.js';
import { bucketUrl } from './object-url.js';
import type { ObjectSigner, StorageProvider } from './types.js';
import { type CloudRules, inputChecks, isoSeconds, type Signable, type SignablePost } from './validate.js';

export interface SignedUrl {
  readonly url: string;
  /** Lower-case names of the request headers the signature covers. */
  readonly signedHeaders: readonly string[];
}

/** One cloud's signatures, over inputs already checked against its {@link CloudRules}. */
export interface CloudSignatures {
  readonly provider: StorageProvider;
  readonly rules: CloudRules;
  /** The cloud's no-overwrite header, signed with the value `true`. */
  readonly forbidOverwriteHeader: string;
  /** The POST Object form fields: the policy, the signature and whatever else the cloud wants sent. */
  postFields(input: SignablePost, expiration: string): Record<string, string>;
  /**
   * A presigned URL for `method` on the object that covers exactly `headers` (lower-case names; at most
   * content-type, content-length and the no-overwrite header) and the extra query `parameters`.
   */
  signUrl(input: Signable, method: 'PUT' | 'GET', headers: Readonly<Record<string, string>>, parameters: Readonly<Record<string, string>>): SignedUrl;
}

export function defineObjectSigner(cloud: CloudSignatures): ObjectSigner {
  const check = inputChecks(cloud.rules);
  return {
    provider: cloud.provider,
    capabilities: cloud.rules.capabilities,

    signPostForm(request) {
      const input = check.post(request);
      const expiration = isoSeconds(input.expiresAt);
      return { method: 'POST', url: bucketUrl(input.address), fields: cloud.postFields(input, expiration), expiration };
    },

    presignPut(request) {
      const input = check.put(request);
      const headers: Record<string, string> = { 'Content-Type': input.contentType };
      if (input.forbidOverwrite) headers[cloud.forbidOverwriteHeader] = 'true';
      const signed: Record<string, string> = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
      if (input.contentLength !== undefined) signed['content-length'] = String(input.contentLength);
      const { url, signedHeaders } = cloud.signUrl(input, 'PUT', signed, {});
      return {
        method: 'PUT',
        url,
        headers,
        signedHeaders,
        sizeBound: input.contentLength !== undefined,
        overwriteForbidden: input.forbidOverwrite,
        expiration: isoSeconds(input.expiresAt),
      };
    },

    presignGet(request) {
      const input = check.get(request);
      const parameters: Record<string, string> = input.filename === undefined ? {} : { 'response-content-disposition': attachmentDisposition(input.filename) };
      return { method: 'GET', url: cloud.signUrl(input, 'GET', {}, parameters).url, expiration: isoSeconds(input.expiresAt) };
    },
  };
}

export const sortedNames = (headers: Readonly<Record<string, string>>): string[] => Object.keys(headers).sort();
