/**
 * `npm run smoke -- <function URL> [--token <JWT> | --token-url <URL>] [--origin <origin>]`
 *
 * Post-deploy check of a deployed token function through its HTTP trigger: a CORS preflight, a request
 * without a token (must be 401), and a request with one (must be 200 with the contract's fields). Keys
 * are masked in the output. Plain HTTPS is all it takes, so no cloud SDK is needed (see docs/design.md
 * on @alicloud/fc2).
 *
 * @module
 */
import { parseArgs } from 'node:util';

const FIELDS = ['provider', 'accessKeyId', 'accessKeySecret', 'securityToken', 'expiration', 'startTime', 'expiredTime', 'bucket', 'region', 'prefix', 'actions', 'grants'];
const mask = (value: unknown) => (typeof value === 'string' && value.length > 8 ? `${value.slice(0, 4)}…(${value.length} chars)` : String(value));

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { token: { type: 'string' }, 'token-url': { type: 'string' }, origin: { type: 'string' } },
  });
  const url = positionals[0];
  if (!url || (!values.token && !values['token-url'])) {
    console.error('usage: npm run smoke -- <function URL> --token <JWT> | --token-url <URL that returns a JWT> [--origin <origin>]');
    return 2;
  }
  const origin = values.origin ?? 'https://stsgate-smoke.invalid';
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) failures.push(what);
  };

  const preflight = await fetch(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
  check(preflight.status === 204, `preflight answers 204 (got ${preflight.status}; Access-Control-Allow-Origin: ${preflight.headers.get('access-control-allow-origin') ?? 'none'})`);

  const anonymous = await fetch(url, { method: 'POST' });
  check(anonymous.status === 401, `a request without a token is refused with 401 (got ${anonymous.status})`);

  const jwt = values.token ?? (await (await fetch(values['token-url'] as string)).text()).trim();
  const issued = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${jwt}`, Origin: origin } });
  const body = (await issued.json().catch(() => ({}))) as Record<string, unknown>;
  check(issued.status === 200, `a request with the token answers 200 (got ${issued.status}${body.error ? `: ${String(body.error)} ${String(body.error_description)}` : ''})`);
  if (issued.status === 200) {
    check(FIELDS.every((f) => f in body) && Object.keys(body).length === FIELDS.length, 'the response has exactly the contract fields');
    check(issued.headers.get('cache-control') === 'no-store', 'the response is not cacheable');
    check(Number(body.expiredTime) * 1000 > Date.now(), `the keys expire in the future (${String(body.expiration)})`);
    for (const field of FIELDS) console.log(`     ${field}: ${field === 'accessKeySecret' || field === 'securityToken' ? mask(body[field]) : JSON.stringify(body[field])}`);
  }
  console.log(failures.length === 0 ? 'smoke check passed' : `smoke check failed: ${failures.length} problem(s)`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
