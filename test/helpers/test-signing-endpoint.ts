/**
 * A token endpoint on loopback that answers the `uploads` and `downloads` routes the way stsgate's do
 * (the answer shapes of issue 16, CORS included), signing with `lib/sign` and one set of temporary keys
 * it registers with a storage stand-in, as the signing role's keys would be. It checks the Bearer token
 * and that a named key is the user's, and nothing else: the refusals these tests are about are the
 * storage service's, which verifies every form and URL with its own code (emulators/storage/).
 *
 * Tests can change what the next answers are (`next`): sign as a server whose clock is off, sign a PUT
 * for another length, or tamper with an answer after signing, the way a broken server or a proxy would.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StorageStandIn } from '../../emulators/storage/storage-stand-in.js';
import { objectSigners, type Addressing, type StorageProvider } from '../../lib/sign/index.js';
import { issueTestKey } from '../emulators/storage-client.js';
import { corsHeaders, sendJson } from './test-token-endpoint.js';

export const USER_PREFIX = 'users/alice/';

export interface TestSigningEndpointOptions {
  readonly provider: StorageProvider;
  readonly standIn: StorageStandIn;
  readonly region: string;
  /** The Bearer token it accepts. */
  readonly loginToken: string;
  /** The forms' content-length-range maximum. Default 64 MiB. */
  readonly maxSize?: number;
  /** Seconds a signature lives. Default 300. */
  readonly expiresIn?: number;
}

/** How the next answer departs from a correct one. */
export interface SigningTweak {
  /** Sign, and send `Date`, as a server whose clock is this far off (negative: behind). */
  readonly clockOffsetMs?: number;
  /** Bind this Content-Length into a PUT instead of the declared size. */
  readonly contentLength?: number;
  /** Sign a form for this content-length-range maximum instead of the endpoint's. */
  readonly maxSize?: number;
  /** Changes the answer after it was signed. */
  readonly tamper?: (answer: Record<string, any>) => void;
}

export interface SigningRequest {
  readonly route: 'uploads' | 'downloads';
  readonly body: Record<string, unknown>;
}

export interface TestSigningEndpoint {
  /** The keys endpoint: the routes are `<url>/uploads` and `<url>/downloads`. */
  readonly url: string;
  /** Every signing request answered, in order. */
  readonly requests: readonly SigningRequest[];
  next(...tweaks: SigningTweak[]): void;
  close(): Promise<void>;
}

/** Where each stand-in serves its bucket (docs/design.md, Endpoints). */
const ADDRESSING: Readonly<Record<StorageProvider, { host: 'localhost' | '127.0.0.1'; addressing: Addressing }>> = {
  aliyun: { host: '127.0.0.1', addressing: 'endpoint' },
  tencent: { host: '127.0.0.1', addressing: 'endpoint' },
  huawei: { host: 'localhost', addressing: 'virtual-hosted' },
};

export async function startTestSigningEndpoint(options: TestSigningEndpointOptions): Promise<TestSigningEndpoint> {
  const { provider, standIn, region } = options;
  const signer = objectSigners[provider];
  const key = issueTestKey(standIn, `signer-${provider}`);
  const credentials = { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, securityToken: key.securityToken, expiration: new Date(key.expiresAt) };
  const { host, addressing } = ADDRESSING[provider];
  const location = { bucket: standIn.bucket, region, endpoint: `http://${host}:${standIn.host.split(':')[1]}`, addressing };
  const maxSize = options.maxSize ?? 64 * 1024 * 1024;
  const expiresIn = options.expiresIn ?? 300;
  const tweaks: SigningTweak[] = [];
  const requests: SigningRequest[] = [];

  function answerUpload(body: Record<string, any>, tweak: SigningTweak, now: Date): [number, Record<string, unknown>] {
    const objectKey = typeof body.key === 'string' ? body.key : `${USER_PREFIX}${randomBytes(6).toString('hex')}-${String(body.filename).replace(/[^\w.-]/g, '_')}`;
    if (!objectKey.startsWith(USER_PREFIX)) return [403, { error: 'insufficient_scope', error_description: 'key: not under a prefix this token may write' }];
    const contentType = String(body.contentType);
    const signing = { ...location, credentials, key: objectKey, expiresIn, now };
    if (body.method === 'put') {
      const bindsSize = signer.capabilities.putBindsSize;
      const put = signer.presignPut({ ...signing, contentType, forbidOverwrite: true, contentLength: tweak.contentLength ?? (bindsSize ? Number(body.size) : undefined) });
      return [200, { provider, method: 'PUT', url: put.url, headers: { ...put.headers }, key: objectKey, expiration: put.expiration }];
    }
    const formMaxSize = tweak.maxSize ?? maxSize;
    const form = signer.signPostForm({ ...signing, contentType, maxSize: formMaxSize });
    return [200, { provider, method: 'POST', url: form.url, fields: { ...form.fields }, key: objectKey, expiration: form.expiration, maxSize: formMaxSize, contentType }];
  }

  function answerDownload(body: Record<string, any>, now: Date): [number, Record<string, unknown>] {
    if (typeof body.key !== 'string' || !body.key.startsWith(USER_PREFIX)) return [403, { error: 'insufficient_scope', error_description: 'key: not readable under the rules' }];
    const get = signer.presignGet({ ...location, credentials, key: body.key, expiresIn: body.expiresIn ?? expiresIn, now, filename: body.filename });
    return [200, { provider, method: 'GET', url: get.url, expiration: get.expiration }];
  }

  const server = createServer((req, res) => {
    corsHeaders(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const route = new URL(req.url ?? '/', 'http://endpoint').pathname.split('/').at(-1);
      if (req.method !== 'POST' || (route !== 'uploads' && route !== 'downloads')) return sendJson(res, 404, { error: 'invalid_request', error_description: 'not a signing route' });
      if (req.headers.authorization !== `Bearer ${options.loginToken}`) return sendJson(res, 401, { error: 'invalid_token', error_description: 'the token is not valid' });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
      requests.push({ route, body });
      const tweak = tweaks.shift() ?? {};
      const now = new Date(Date.now() + (tweak.clockOffsetMs ?? 0));
      const [status, answer] = route === 'uploads' ? answerUpload(body, tweak, now) : answerDownload(body, now);
      if (status === 200) tweak.tamper?.(answer);
      // Date from the endpoint's own (possibly skewed) clock: the client places expirations with it.
      sendJson(res, status, answer, now);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/${provider}`,
    requests,
    next: (...more) => void tweaks.push(...more),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

