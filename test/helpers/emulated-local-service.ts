/**
 * `npm start`'s local token service in this process, in its emulated setup whatever the environment of
 * the test run: settings that would switch it to a real cloud or another login are set aside while it
 * runs (the service reads this process's environment) and put back when it closes.
 *
 * @module
 */
import { type LocalTokenService, startLocalTokenService } from '../../local/server.js';

/** Environment that would switch the service away from its emulated defaults. */
const SERVICE_SETTINGS = /^(JWT_|TOKEN_|ALIYUN_|ALIBABA_CLOUD_|CORS_|TENCENT|HUAWEI|STSGATE_)/;

/**
 * `allowOrigins`: page origins the functions answer CORS for (`CORS_ALLOWED_ORIGINS`); by default the
 * service allows only its own demo page's origin.
 */
export async function startEmulatedLocalService(options: { allowOrigins?: readonly string[] } = {}): Promise<LocalTokenService> {
  const saved: Record<string, string | undefined> = {};
  for (const name of Object.keys(process.env)) {
    if (SERVICE_SETTINGS.test(name)) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  }
  if (options.allowOrigins) process.env.CORS_ALLOWED_ORIGINS = options.allowOrigins.join(',');
  const restore = () => {
    delete process.env.CORS_ALLOWED_ORIGINS;
    Object.assign(process.env, saved);
  };
  let service: LocalTokenService;
  try {
    service = await startLocalTokenService(0);
  } catch (error) {
    restore();
    throw error;
  }
  return {
    ...service,
    close: async () => {
      try {
        await service.close();
      } finally {
        restore();
      }
    },
  };
}
