/**
 * The public shapes of signed uploads and downloads: what `signUpload`, `upload` and `downloadUrl` take
 * and what they resolve with. The answers are the token function's `uploads` and `downloads` routes'
 * contract (docs/endpoint.md), checked field by field before they are handed out.
 *
 * @module
 */
import type { StsCredentials } from './types.js';

export type StorageProvider = StsCredentials['provider'];

/** A file described without its bytes (what `signUpload` reads from a `File`): enough to ask for a signature. */
export interface FileDescriptor {
  readonly name: string;
  /** The media type; empty or absent means `application/octet-stream`. */
  readonly type?: string;
  /** Bytes. */
  readonly size: number;
}

/**
 * `post`: a POST Object form (the default). The storage service enforces the size range and the content
 * type, and `wx.uploadFile` can send it. `put`: a presigned PUT URL: a raw body, the no-overwrite header
 * where the cloud has one, the exact size where the cloud can sign it.
 */
export type UploadMethod = 'post' | 'put';

export interface SignUploadOptions {
  /** Default `post`. */
  readonly method?: UploadMethod;
  /** The access rule to upload under, when the token service has several. */
  readonly rule?: string;
  /** An exact object key, allowed only under a prefix the login token may write. Default: the server picks a fresh one. */
  readonly key?: string;
  /** The name sent to the server (which turns it into the key's last part). Default: the file's `name`; required for a Blob that is not a File. */
  readonly filename?: string;
  /** The content type to sign. Default: the file's `type`, or `application/octet-stream` when it has none. */
  readonly contentType?: string;
  /** Aborts the signing request (`aborted`). */
  readonly signal?: AbortSignal;
}

/** A POST Object form: send `fields` in this order, then the file as the last part, named `file`. */
export interface SignedPostUpload {
  readonly provider: StorageProvider;
  readonly method: 'POST';
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
  /** The object key the form uploads to. */
  readonly key: string;
  /** When the form stops being accepted (ISO 8601 UTC, server clock). */
  readonly expiration: string;
  /** The largest file the form accepts, in bytes. */
  readonly maxSize: number;
  /** The content type the object is stored with (the form sends it). */
  readonly contentType: string;
}

/** A presigned PUT: send the file as the body, with exactly `headers`. */
export interface SignedPutUpload {
  readonly provider: StorageProvider;
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly key: string;
  readonly expiration: string;
}

export type SignedUpload = SignedPostUpload | SignedPutUpload;

export interface UploadProgress {
  /** Bytes of the request body sent so far (for a form: the fields and the multipart framing too). */
  readonly loaded: number;
  /** Bytes of the whole request body. */
  readonly total: number;
  /** 1, or 2 when the upload restarted on a new signature (progress starts again from 0). */
  readonly attempt: number;
}

export interface UploadOptions extends SignUploadOptions {
  /**
   * Called as the body goes out, from the browser's upload progress events. Setting it makes the
   * browser send a CORS preflight even for a form POST, so the bucket's CORS rules must allow POST.
   */
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Aborts signing or the upload, whichever is under way (`aborted`). */
  readonly signal?: AbortSignal;
}

export interface UploadResult {
  readonly provider: StorageProvider;
  readonly method: 'POST' | 'PUT';
  /** Where the object now is. */
  readonly key: string;
  /** The storage service's ETag, when its CORS rules expose it (undefined otherwise). */
  readonly etag: string | undefined;
  readonly size: number;
  readonly contentType: string;
  /** 1, or 2 when the first signature had expired and the upload went out again on a new one. */
  readonly attempts: number;
}

export interface DownloadUrlOptions {
  /** Seconds the URL stays valid; the server caps it. Default: the server's. */
  readonly expiresIn?: number;
  /** Offer the object as a download under this name (`Content-Disposition: attachment`). */
  readonly filename?: string;
  /** Aborts the signing request (`aborted`). */
  readonly signal?: AbortSignal;
}

export interface SignedDownload {
  readonly provider: StorageProvider;
  readonly method: 'GET';
  /** A presigned GET URL: fetch it, or put it in an `<img src>` or a link. */
  readonly url: string;
  /** When the URL stops working (ISO 8601 UTC, server clock). */
  readonly expiration: string;
}
