/**
 * Which route a request takes: the last segment of its path. Platforms and gateways put prefixes of
 * their own in front (a service path, a stage, `/aliyun` under `npm start`), so only the end is read:
 * `.../uploads` signs an upload, `.../downloads` signs a download, and every other path, the bare
 * function URL included, issues keys as it always has. A trailing `/` is ignored; nothing is decoded, so
 * `%75ploads` is not `uploads`.
 *
 * @module
 */
import type { Route } from '../invocation.js';

export function routeOf(path: unknown): Route {
  if (typeof path !== 'string') return 'keys';
  const segment = path.replace(/\/+$/, '');
  const last = segment.slice(segment.lastIndexOf('/') + 1);
  return last === 'uploads' || last === 'downloads' ? last : 'keys';
}
