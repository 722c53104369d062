/**
 * Signed uploads and downloads for one object, signed locally: POST Object forms, presigned PUT and GET
 * URLs for Aliyun OSS (V4), Tencent COS (q-sign) and Huawei OBS, behind one shape ({@link ObjectSigner}).
 * Pure: no I/O, no clock of its own, no dependency beyond node:crypto and zod.
 *
 * @module
 */
import { ossSigner } from './aliyun/oss-signer.js';
import { obsSigner } from './huawei/obs-signer.js';
import { cosSigner } from './tencent/cos-signer.js';
import type { ObjectSigner, StorageProvider } from './types.js';

export const objectSigners: Readonly<Record<StorageProvider, ObjectSigner>> = { aliyun: ossSigner, tencent: cosSigner, huawei: obsSigner };

export const signerFor = (provider: StorageProvider): ObjectSigner => objectSigners[provider];

export { attachmentDisposition } from './content-disposition.js';
export { isSignInputError, SignInputError, type SignInputReason } from './errors.js';
export type * from './types.js';
