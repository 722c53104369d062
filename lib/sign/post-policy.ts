/**
 * The POST Object policy document all three clouds took from S3's browser-upload design: an
 * `expiration` and a list of `conditions` the form must meet. Each cloud signs a different encoding of
 * it (OSS and OBS the base64 text, COS the SHA-1 of the JSON), so the document is built once, as JSON
 * text, and that exact text is what is encoded, hashed and sent.
 *
 * @module
 */

/** `{"field": "value"}` (exact match), `["eq", "$field", "value"]`, or the size range in bytes. */
export type PolicyCondition =
  | Readonly<Record<string, string>>
  | readonly ['eq', `$${string}`, string]
  | readonly ['content-length-range', number, number];

export interface PostPolicy {
  readonly expiration: string;
  readonly conditions: readonly PolicyCondition[];
}

export interface EncodedPolicy {
  /** The JSON text, as signed (COS) and as decoded from {@link base64}. */
  readonly json: string;
  /** The `policy` form field: base64 of the UTF-8 JSON text. */
  readonly base64: string;
}

/**
 * The policy of every form stsgate signs: the bucket, the exact key (`eq`, never `starts-with`), the size
 * range, the exact content type (under the cloud's spelling of the field), then each of `bound` at its
 * exact value (the cloud's own fields, such as its signature parameters and the security token).
 */
export function uploadPolicy(
  upload: { readonly bucket: string; readonly key: string; readonly minSize: number; readonly maxSize: number; readonly contentType: string },
  expiration: string,
  contentTypeField: string,
  bound: Readonly<Record<string, string>>,
): EncodedPolicy {
  return encodePolicy({
    expiration,
    conditions: [
      { bucket: upload.bucket },
      ['eq', '$key', upload.key],
      ['content-length-range', upload.minSize, upload.maxSize],
      ['eq', `$${contentTypeField}`, upload.contentType],
      ...Object.entries(bound).map(([name, value]) => ({ [name]: value })),
    ],
  });
}

/** JSON.stringify escapes quotes, backslashes and control characters; other text stays UTF-8. */
export function encodePolicy(policy: PostPolicy): EncodedPolicy {
  const json = JSON.stringify(policy);
  return { json, base64: Buffer.from(json, 'utf8').toString('base64') };
}
