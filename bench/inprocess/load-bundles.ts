/**
 * The built bundles, loaded into the bench process the way a platform's runtime loads them: CommonJS
 * `require` with the deployment's environment in place, so their cold-start code (configuration, JWKS
 * resolver, credential cache) runs once here. The bundle is what ships, so it is what is measured.
 *
 * Configuration is read at load; but Tencent's role keys (TENCENTCLOUD_*) are read on every invocation,
 * so after loading, the union of the three environments stays in place until `restore()`. No variable
 * read per invocation is shared between the clouds, so the union is what each function would see.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { CLOUDS, type CloudId, type Deployment } from '../deployments.js';

export type PlatformHandler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;

/** Variables any stsgate deployment reads: cleared first, so the bench's own environment cannot leak in. */
const OWN_PREFIXES = ['JWT_', 'TOKEN_', 'CORS_', 'ALIYUN_', 'TENCENT_', 'HUAWEI_', 'ALIBABA_CLOUD_', 'TENCENTCLOUD_', 'HUAWEICLOUD_'];

const require = createRequire(import.meta.url);

export function loadBundles(deployments: Record<CloudId, Deployment>): { handlers: Record<CloudId, PlatformHandler>; restore(): void } {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) {
    if (OWN_PREFIXES.some((prefix) => key.startsWith(prefix))) delete process.env[key];
  }
  const base = { ...process.env };
  const handlers = {} as Record<CloudId, PlatformHandler>;
  for (const cloud of CLOUDS) {
    const d = deployments[cloud];
    replaceEnv({ ...base, ...d.env });
    delete require.cache[d.bundle];
    const handler = (require(d.bundle) as Record<string, unknown>)[d.exportName];
    if (typeof handler !== 'function') throw new Error(`${d.bundle} exports no ${d.exportName}()`);
    handlers[cloud] = handler as PlatformHandler;
  }
  replaceEnv(Object.assign({ ...base }, ...CLOUDS.map((c) => deployments[c].env)));
  return { handlers, restore: () => replaceEnv(saved) };
}

function replaceEnv(next: Record<string, string | undefined>): void {
  for (const key of Object.keys(process.env)) if (!(key in next)) delete process.env[key];
  for (const [key, value] of Object.entries(next)) if (value !== undefined) process.env[key] = value;
}
