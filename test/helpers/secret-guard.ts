/**
 * The suite-wide secret guard. Every log line a test produces (console, or a captured logger) and every
 * platform response body read through the bundle harness passes through here, and after each test (see
 * `test/setup/secret-guard.ts`) they are checked against every secret the fixtures have registered:
 *
 * - `never` secrets (role credentials, agency tokens, configured secrets) may appear nowhere;
 * - `issued` keys may appear only in the success body that hands them out, never in a log line or an
 *   error body;
 * - the security token of a signing role's keys (registered with `signingToken`) may appear in a signed
 *   form or URL (the answers of the `uploads` and `downloads` routes), as it must; the secret of those keys
 *   never does;
 * - nothing shaped like a JWT may appear in any of them.
 */
import { expectNoSecrets } from './log-capture.js';

type Provider = () => Iterable<string | undefined>;

const never = new Set<Provider>();
const issued = new Set<Provider>();
const signingTokens = new Set<Provider>();
/**
 * Issued keys seen so far. Emulators forget their calls on `reset()`, which a test's own `afterEach` may
 * run before the guard's check, so each key is remembered the moment a response body is seen.
 */
const issuedSeen = new Set<string>();
const signingTokensSeen = new Set<string>();
const rememberIssued = () => {
  for (const value of collect(issued)) if (value) issuedSeen.add(value);
  for (const value of collect(signingTokens)) if (value) signingTokensSeen.add(value);
};
const logs: string[] = [];
const bodies: string[] = [];

const collect = (providers: Set<Provider>) => [...providers].flatMap((provide) => [...provide()]);
/** A success body is the one place issued keys belong. */
const isSuccessBody = (body: string) => body.includes('"accessKeyId"');
/** A signed form or URL: the one place a signing role's security token belongs. */
function isSignedAnswer(body: string): boolean {
  if (isSuccessBody(body) || !body.startsWith('{')) return false;
  try {
    const answer = JSON.parse(body) as { method?: unknown; url?: unknown };
    return typeof answer.url === 'string' && (answer.method === 'POST' || answer.method === 'PUT' || answer.method === 'GET');
  } catch {
    return false;
  }
}

export const secretGuard = {
  never(provider: Provider): void {
    never.add(provider);
  },
  issued(provider: Provider): void {
    issued.add(provider);
  },
  /** Security tokens of issued keys that sign (also registered with `issued`): allowed in signed answers. */
  signingToken(provider: Provider): void {
    signingTokens.add(provider);
  },
  log(text: string): void {
    logs.push(text);
  },
  body(text: string): void {
    rememberIssued();
    bodies.push(text);
  },
  /** Fails the test if anything seen since the last check leaked; then forgets what it saw. */
  check(): void {
    rememberIssued();
    const seenLogs = logs.splice(0);
    const seenBodies = bodies.splice(0);
    const all = [...collect(never), ...issuedSeen];
    expectNoSecrets(seenLogs, all);
    expectNoSecrets(
      seenBodies.filter((body) => !isSuccessBody(body) && !isSignedAnswer(body)),
      all,
    );
    expectNoSecrets(seenBodies.filter(isSuccessBody), collect(never));
    expectNoSecrets(
      seenBodies.filter(isSignedAnswer),
      all.filter((value) => value === undefined || !signingTokensSeen.has(value)),
    );
  },
};
