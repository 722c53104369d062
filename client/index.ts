/**
 * `@stsgate/client`: the browser side of stsgate. One client per token endpoint fetches, caches and
 * refreshes temporary keys; the adapters hand them to each storage SDK in the shape it expects; and
 * `signUpload`, `upload` and `downloadUrl` sign one object request instead, for a single file.
 * No runtime dependencies; runs wherever `fetch` exists (`upload` also needs `XMLHttpRequest`).
 *
 * @module
 */
export type { GetCredentialsOptions, StsClient, StsClientOptions, StsCredentials, StsGrant, TokenRequest } from './types.js';
export { StsClientError, UnauthorizedError, type StsClientErrorCode } from './errors.js';
export { createStsClient } from './credentials-client.js';
export * from './adapters/ali-oss.js';
export * from './adapters/cos.js';
export * from './adapters/obs.js';
export { UploadRefusedError } from './errors.js';
export { downloadUrl, signUpload, upload } from './uploads.js';
export type {
  DownloadUrlOptions,
  FileDescriptor,
  SignedDownload,
  SignedPostUpload,
  SignedPutUpload,
  SignedUpload,
  SignUploadOptions,
  StorageProvider,
  UploadMethod,
  UploadOptions,
  UploadProgress,
  UploadResult,
} from './upload-types.js';
