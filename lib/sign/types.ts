/**
 * The one shape the three clouds' signers share, so a route can sign an upload or a download without
 * knowing which cloud it talks to. Everything here is plain data: a signer takes explicit inputs
 * (credentials, bucket, key, limits, the current time) and returns the exact wire values.
 *
 * @module
 */

/** The cloud a signer speaks for; the same ids as the keys path's `provider`. */
export type StorageProvider = 'aliyun' | 'tencent' | 'huawei';

/** The credentials that sign: the signing role's temporary keys, or long-term keys. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Present for temporary keys; it travels in the form or the URL, never the secret. */
  readonly securityToken?: string | undefined;
  /** When the keys stop working. A signature made with them is useless after it, so none may outlive it. */
  readonly expiration?: Date | undefined;
}

/**
 * How the bucket appears in a URL:
 * - `virtual-hosted`: `https://<bucket>.<endpoint host>/<key>` (what every cloud's public endpoint uses);
 * - `path`: `https://<endpoint host>/<bucket>/<key>`;
 * - `endpoint`: the endpoint already addresses the bucket (a custom domain, or a loopback stand-in that
 *   serves one bucket): `https://<endpoint host>/<key>`.
 */
export type Addressing = 'virtual-hosted' | 'path' | 'endpoint';

/** Where the object lives. */
export interface ObjectLocation {
  readonly bucket: string;
  /** The region id, e.g. `cn-hangzhou`, `ap-guangzhou`, `cn-north-4`. */
  readonly region: string;
  /** Overrides the cloud's public endpoint, e.g. `http://127.0.0.1:9000` (plain http for loopback only). */
  readonly endpoint?: string | URL | undefined;
  /** Default `virtual-hosted`. An endpoint whose host is an IP address cannot carry the bucket as a label. */
  readonly addressing?: Addressing | undefined;
  /** The object key, exactly as stored (not URL-encoded). */
  readonly key: string;
}

interface SigningInput extends ObjectLocation {
  readonly credentials: SigningCredentials;
  /** Whole seconds the signature stays valid, counted from {@link now}. */
  readonly expiresIn: number;
  /** The signing time (truncated to the second); pass the clock in so signatures are reproducible. */
  readonly now: Date;
}

export interface PostFormRequest extends SigningInput {
  /** The exact Content-Type the object is stored with; the policy accepts no other. */
  readonly contentType: string;
  /** Smallest accepted size in bytes; default 0. */
  readonly minSize?: number | undefined;
  /** Largest accepted size in bytes (the form's `content-length-range`). */
  readonly maxSize: number;
}

/** A browser (or `wx.uploadFile`) POST Object form: send `fields`, then the file as the last part. */
export interface PostForm {
  readonly method: 'POST';
  readonly url: string;
  /** Form fields in a working order; the file part (named `file`) must follow all of them. */
  readonly fields: Readonly<Record<string, string>>;
  /** When the policy stops accepting uploads (ISO 8601 UTC). */
  readonly expiration: string;
}

export interface PresignPutRequest extends SigningInput {
  /** Signed in: the upload must send exactly this Content-Type. */
  readonly contentType: string;
  /** The exact size to bind, where the cloud can sign Content-Length (see {@link SignerCapabilities.putBindsSize}). */
  readonly contentLength?: number | undefined;
  /** Sign the cloud's no-overwrite header in, so a second PUT to the key is refused. */
  readonly forbidOverwrite: boolean;
}

export interface PresignedPut {
  readonly method: 'PUT';
  readonly url: string;
  /**
   * Headers the upload must set, with exactly these values. Content-Length is not among them: every
   * HTTP client sends it from the body (browsers refuse to let scripts set it), and when the size is
   * bound the signature covers it.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Lower-case names of the request headers the signature covers (beside those in `headers`: host, content-length). */
  readonly signedHeaders: readonly string[];
  /** True when a body of any other length than `contentLength` is refused by the signature. */
  readonly sizeBound: boolean;
  /** True when the no-overwrite header is signed in. */
  readonly overwriteForbidden: boolean;
  readonly expiration: string;
}

export interface PresignGetRequest extends SigningInput {
  /** Offer the object as a download under this name (`Content-Disposition: attachment`). */
  readonly filename?: string | undefined;
}

export interface PresignedGet {
  readonly method: 'GET';
  readonly url: string;
  readonly expiration: string;
}

/** What a cloud's signatures can and cannot enforce, so a route can offer only what holds. */
export interface SignerCapabilities {
  /** Whether a presigned PUT can bind the exact Content-Length (a signed header). */
  readonly putBindsSize: boolean;
  /** Whether a presigned PUT can carry a signed no-overwrite header. */
  readonly putForbidsOverwrite: boolean;
  /** The largest object a single PUT or POST may carry. */
  readonly maxObjectBytes: number;
  /** The longest object key, in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /** The longest lifetime a signature may be given. */
  readonly maxLifetimeSeconds: number;
}

export interface ObjectSigner {
  readonly provider: StorageProvider;
  readonly capabilities: SignerCapabilities;
  signPostForm(request: PostFormRequest): PostForm;
  presignPut(request: PresignPutRequest): PresignedPut;
  presignGet(request: PresignGetRequest): PresignedGet;
}
