/**
 * Where the signing routes live. A token function serves keys, uploads and downloads from one URL and
 * tells them apart by the last segment of the request path (a platform or gateway may put any prefix in
 * front), so each route is the keys endpoint with one more segment: `…/aliyun` → `…/aliyun/uploads`.
 *
 * @module
 */

export type SigningRoute = 'uploads' | 'downloads';

/**
 * `endpoint` with `/<route>` appended to its path; a query string (a gateway's key, say) is kept after
 * it. Works on the text, so a relative endpoint (`/sts/aliyun`) derives a relative route.
 */
export function routeUrl(endpoint: string, route: SigningRoute): string {
  const cut = endpoint.search(/[?#]/);
  const path = cut < 0 ? endpoint : endpoint.slice(0, cut);
  const rest = cut < 0 ? '' : endpoint.slice(cut);
  return `${path.replace(/\/+$/, '')}/${route}${rest}`;
}
