/**
 * The bench hook for signed uploads: one upload signed the way the uploads route answers it (a POST form
 * or a presigned PUT for a fresh key under a user's prefix, at the current time, with every limit the
 * cloud can bind), and one download, with credentials shaped like a signing role's temporary keys. The
 * bench's floor for the signing routes times these alone (bench/inprocess/floor.ts), as does the
 * micro-benchmark beside it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { objectSigners, type PostForm, type PresignedGet, type PresignedPut, type StorageProvider } from '../../lib/sign/index.js';

const LOCATION: Record<StorageProvider, { bucket: string; region: string }> = {
  aliyun: { bucket: 'bench-media', region: 'cn-hangzhou' },
  tencent: { bucket: 'bench-media-1250000000', region: 'ap-guangzhou' },
  huawei: { bucket: 'bench-media', region: 'cn-north-4' },
};

/** Temporary keys of realistic length: an Aliyun security token runs to about 1 KB. */
const CREDENTIALS = {
  accessKeyId: 'STS.NUgYrLnoC37mZZCNnAbez2yAj',
  accessKeySecret: 'bench-secret-not-a-real-key-00000000000000',
  securityToken: `CAIS${'x'.repeat(1000)}`,
};

/** Signs one upload for `provider`: what a bench times per request. */
export function signUpload(provider: StorageProvider, method: 'post' | 'put'): PostForm | PresignedPut {
  const signer = objectSigners[provider];
  const { bucket, region } = LOCATION[provider];
  const common = {
    credentials: CREDENTIALS,
    bucket,
    region,
    key: `users/bench-user/${randomUUID()}-photo.jpg`,
    contentType: 'image/jpeg',
    expiresIn: 300,
    now: new Date(),
  };
  if (method === 'post') return signer.signPostForm({ ...common, maxSize: 10 * 1024 * 1024 });
  const { putBindsSize, putForbidsOverwrite } = signer.capabilities;
  return signer.presignPut({ ...common, forbidOverwrite: putForbidsOverwrite, ...(putBindsSize ? { contentLength: 123_456 } : {}) });
}

/** Signs one download for `provider`, as the downloads route does (with a download name). */
export function signDownload(provider: StorageProvider): PresignedGet {
  const { bucket, region } = LOCATION[provider];
  return objectSigners[provider].presignGet({ credentials: CREDENTIALS, bucket, region, key: 'users/bench-user/photo.jpg', filename: 'photo.jpg', expiresIn: 300, now: new Date() });
}
