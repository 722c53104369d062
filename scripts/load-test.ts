/**
 * `npm run test:load`: the local token service under a real HTTP load generator on loopback.
 *
 * The service (`local/server.ts`, emulated clouds) runs in a process of its own (`scripts/load/service-host.ts`
 * says why); autocannon drives it from this one at 100 concurrent connections with `Authorization: Bearer <JWT>`
 * rotating over 300 subjects, mostly `POST /aliyun` with a share for `/tencent` and `/huawei`:
 *
 *   1. warm-up: the first 2,000 requests, which reach every (subject, cloud) scope at least once;
 *   2. main phase: 20,000 more.
 *
 * Then it checks, and prints: every request answered, 200 with keys for the right subject and cloud; no
 * connection errors or timeouts, no non-2xx and no 5xx; each cloud's STS (Huawei: IAM) emulator reached no
 * more often than that cloud has distinct scopes (the credential cache and its single flight at work); and
 * the service process's resident memory after the run within 20% of its value after the warm-up. It exits
 * non-zero, saying which check failed, when any does.
 *
 * `npm run test:load -- --redis`: the same load spread over 4 service processes (4 instances of each
 * function) sharing one `redis-server` (Debian's, started on a free loopback port) and one JWT issuer. The
 * STS requests of all four together must still be no more than the distinct scopes: the shared cache
 * and its cross-instance lock at work.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { redisServerBinary, type RedisServer, startRedisServer } from '../test/helpers/redis-server.js';
import { CLOUDS, type Cloud, type FromHost, type HostSample, type ToHost } from './load/protocol.js';

/** `--redis`: four service processes sharing Redis instead of one on its own. */
const WITH_REDIS = process.argv.includes('--redis');
const INSTANCES = WITH_REDIS ? 4 : 1;

const SUBJECTS = 300;
const CONNECTIONS = 100;
const WARMUP_REQUESTS = 2_000;
const MAIN_REQUESTS = 20_000;
const MIN_TOTAL_REQUESTS = 20_000;
const MAX_RSS_GROWTH = 1.2;
/** CI runs this after `npm test`; a run that hangs must fail, not block the pipeline. */
const DEADLINE_MS = 120_000;
/**
 * Which cloud the n-th pass over the subjects goes to: 60% Aliyun, 20% each Tencent and Huawei. Every
 * subject meets every cloud within the first 5 × 300 = 1,500 requests, so the warm-up covers all scopes.
 */
const CLOUD_CYCLE: readonly Cloud[] = ['aliyun', 'tencent', 'aliyun', 'huawei', 'aliyun'];

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const started = performance.now();

// ---------------------------------------------------------------------------------------------------------------------
// The service process
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Only what node and tsx need: the service decides between emulated and real clouds, the JWT source and
 * a rate limit (`TOKEN_RATE_LIMIT` would answer 429s) from its environment, and this test is about the
 * emulated setup as `npm start` runs it with nothing configured. It must never send 22,000 requests to a
 * real STS because a developer's shell holds deployment settings.
 */
function serviceEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG'];
  return { ...Object.fromEntries(keep.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]]))), ...extra };
}

interface ServiceHost {
  readonly url: string;
  readonly banner: string;
  readonly pid: number | undefined;
  sample(): Promise<HostSample>;
  close(): Promise<void>;
}

async function startServiceHost(logFd: number, errFd: number, env: Record<string, string>): Promise<ServiceHost> {
  const child: ChildProcess = fork(join(repoRoot, 'scripts/load/service-host.ts'), [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: serviceEnvironment(env),
    stdio: ['ignore', logFd, errFd, 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const next = <T extends FromHost['type']>(type: T) =>
    new Promise<Extract<FromHost, { type: T }>>((resolve, reject) => {
      const onMessage = (message: FromHost) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message as Extract<FromHost, { type: T }>);
      };
      child.on('message', onMessage);
      void exited.then((code) => reject(new Error(`the service process exited (code ${code}) before answering '${type}'`)));
    });
  const ask = (message: ToHost) => child.send(message);

  const ready = await next('ready');
  return {
    url: ready.url,
    banner: ready.banner,
    pid: child.pid,
    sample: () => {
      const answer = next('sample');
      ask({ type: 'sample' });
      return answer;
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      ask({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Subjects and the request sequence
// ---------------------------------------------------------------------------------------------------------------------

const subjectName = (index: number) => `load-user-${String(index).padStart(3, '0')}`;

/**
 * For the Redis variant: one JWT issuer for every service process (each `npm start` otherwise has a
 * development identity provider of its own, whose tokens the others would refuse).
 */
const sharedIssuer = { secret: randomBytes(32).toString('base64url'), issuer: 'https://load-test.stsgate.invalid/', audience: 'stsgate-load' };

function mintSharedTokens(): Promise<string[]> {
  const key = new TextEncoder().encode(sharedIssuer.secret);
  return Promise.all(
    Array.from({ length: SUBJECTS }, (_, index) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(subjectName(index))
        .setIssuer(sharedIssuer.issuer)
        .setAudience(sharedIssuer.audience)
        .setIssuedAt()
        .setExpirationTime('15m')
        .sign(key),
    ),
  );
}

/** One development JWT per subject, from the service's own identity provider, 25 at a time. */
async function mintTokens(url: string): Promise<string[]> {
  const tokens: string[] = new Array<string>(SUBJECTS);
  let nextIndex = 0;
  const worker = async () => {
    for (let index = nextIndex++; index < SUBJECTS; index = nextIndex++) {
      const response = await fetch(`${url}/dev/token?sub=${encodeURIComponent(subjectName(index))}`);
      const text = (await response.text()).trim();
      if (response.status !== 200 || text.split('.').length !== 3) {
        throw new Error(`GET /dev/token for ${subjectName(index)} answered ${response.status}, not a JWT`);
      }
      tokens[index] = text;
    }
  };
  await Promise.all(Array.from({ length: 25 }, worker));
  return tokens;
}

/** What one request was for; autocannon hands the same per-connection context to setupRequest and onResponse. */
interface Slot {
  cloud: Cloud;
  subject: number;
}

/** Everything observed from the load generator's side, over both phases. */
class Observations {
  /** Requests sent, per cloud. */
  readonly sent: Record<Cloud, number> = { aliyun: 0, tencent: 0, huawei: 0 };
  /** Subjects sent to each cloud: with no scope in the body, one scope per subject per cloud. */
  readonly scopes: Record<Cloud, Set<number>> = { aliyun: new Set(), tencent: new Set(), huawei: new Set() };
  readonly statuses = new Map<number, number>();
  /** Answers that were not a 200 with keys for the subject and cloud asked for; a few kept for the report. */
  wrongAnswers = 0;
  readonly examples: string[] = [];
  lastResponseAt = 0;
  private sequence = 0;

  constructor(private readonly tokens: readonly string[]) {}

  /** Request n goes to subject n mod 300 and to the cloud its pass over the subjects is for. */
  readonly setupRequest = (request: autocannon.Request, context: object): autocannon.Request => {
    const n = this.sequence++;
    const slot: Slot = { subject: n % SUBJECTS, cloud: CLOUD_CYCLE[Math.floor(n / SUBJECTS) % CLOUD_CYCLE.length] ?? 'aliyun' };
    Object.assign(context, slot);
    this.sent[slot.cloud] += 1;
    this.scopes[slot.cloud].add(slot.subject);
    return { ...request, method: 'POST', path: `/${slot.cloud}`, headers: { ...request.headers, authorization: `Bearer ${this.tokens[slot.subject]}` } };
  };

  readonly onResponse = (status: number, body: string, context: object): void => {
    this.lastResponseAt = performance.now();
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const { cloud, subject } = context as Slot;
    const problem = answerProblem(status, body, cloud, subjectName(subject));
    if (problem === undefined) return;
    this.wrongAnswers += 1;
    if (this.examples.length < 5) this.examples.push(`POST /${cloud} for ${subjectName(subject)}: ${problem}`);
  };

  count(predicate: (status: number) => boolean): number {
    let total = 0;
    for (const [status, count] of this.statuses) if (predicate(status)) total += count;
    return total;
  }
}

/** Why an answer is not the expected one, without quoting keys: only public fields and error codes. */
function answerProblem(status: number, body: string, cloud: Cloud, subject: string): string | undefined {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return `${status} with a body that is not JSON`;
  }
  if (status !== 200) return `${status} ${String(parsed.error)}: ${String(parsed.error_description)}`;
  if (parsed.provider !== cloud) return `200 from provider ${String(parsed.provider)}`;
  if (parsed.prefix !== `users/${subject}/`) return `200 with prefix ${String(parsed.prefix)}`;
  if (typeof parsed.accessKeyId !== 'string' || typeof parsed.securityToken !== 'string') return '200 without keys';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// Phases
// ---------------------------------------------------------------------------------------------------------------------

interface PhaseResult {
  name: string;
  result: autocannon.Result;
  /** From the first request to the last response; autocannon's own duration runs to its next 1 s sample. */
  seconds: number;
}

/** The phase's requests and connections split evenly over the service processes, all at once. */
async function runPhase(name: string, urls: readonly string[], amount: number, observed: Observations): Promise<PhaseResult> {
  const phaseStarted = performance.now();
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        url,
        connections: CONNECTIONS / urls.length,
        amount: amount / urls.length,
        timeout: 10,
        requests: [{ setupRequest: observed.setupRequest, onResponse: observed.onResponse }],
      }),
    ),
  );
  return { name, result: combine(results), seconds: (observed.lastResponseAt - phaseStarted) / 1000 };
}

/** One result for several generators: counts added, latencies the worst of them. */
function combine(results: readonly autocannon.Result[]): autocannon.Result {
  const [first, ...rest] = results as [autocannon.Result, ...autocannon.Result[]];
  if (rest.length === 0) return first;
  const add = (pick: (r: autocannon.Result) => number) => results.reduce((total, r) => total + pick(r), 0);
  const worst = (pick: (r: autocannon.Result) => number) => Math.max(...results.map(pick));
  return {
    ...first,
    errors: add((r) => r.errors),
    timeouts: add((r) => r.timeouts),
    non2xx: add((r) => r.non2xx),
    '5xx': add((r) => r['5xx']),
    requests: { ...first.requests, total: add((r) => r.requests.total), sent: add((r) => r.requests.sent) },
    latency: { ...first.latency, p50: worst((r) => r.latency.p50), p99: worst((r) => r.latency.p99), max: worst((r) => r.latency.max) },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// The service's log
// ---------------------------------------------------------------------------------------------------------------------

interface LogTally {
  requests: number;
  byProvider: Map<string, number>;
  byCache: Map<string, number>;
  /** After a memory miss, where the Redis variant's keys came from (lib/state/issue-once.ts). */
  bySharedState: Map<string, number>;
  otherLines: number;
}

/** The services' one JSON line per request, counted: it shows every answer came from a bundle, and how. */
function tallyLog(paths: readonly string[]): LogTally {
  const tally: LogTally = { requests: 0, byProvider: new Map(), byCache: new Map(), bySharedState: new Map(), otherLines: 0 };
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const line of paths.flatMap((path) => readFileSync(path, 'utf8').split('\n'))) {
    if (line === '') continue;
    let entry: { msg?: unknown; provider?: unknown; cache?: unknown; sharedState?: unknown } = {};
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // Not a log line (nothing else is expected on stdout); counted below.
    }
    if (entry.msg !== 'request') {
      tally.otherLines += 1;
      continue;
    }
    tally.requests += 1;
    bump(tally.byProvider, String(entry.provider));
    bump(tally.byCache, String(entry.cache ?? 'none'));
    if (entry.sharedState !== undefined) bump(tally.bySharedState, String(entry.sharedState));
  }
  return tally;
}

// ---------------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------------

const int = (value: number) => value.toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const share = (part: number, whole: number) => `${Math.round((100 * part) / whole)}%`;

function phaseRow(name: string, requests: number, seconds: number, p50: string, p99: string, max: string): string {
  const rate = seconds > 0 ? int(Math.round(requests / seconds)) : '-';
  return `  ${name.padEnd(10)}${int(requests).padStart(9)}${`${seconds.toFixed(2)} s`.padStart(10)}${rate.padStart(9)}${p50.padStart(9)}${p99.padStart(9)}${max.padStart(9)}`.trimEnd();
}

async function main(): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), 'stsgate-load-'));
  const logPaths = Array.from({ length: INSTANCES }, (_, i) => join(workDir, `service-${i}.log`));
  const errPaths = Array.from({ length: INSTANCES }, (_, i) => join(workDir, `service-${i}.stderr.log`));
  const logFds = logPaths.map((path) => openSync(path, 'w'));
  const errFds = errPaths.map((path) => openSync(path, 'w'));
  let hosts: ServiceHost[] = [];
  let redis: RedisServer | undefined;
  const closeHosts = () => Promise.all(hosts.map((host) => host.close()));
  let keepLogs = true;
  const deadline = setTimeout(() => {
    console.error(`FAIL the load test did not finish within ${DEADLINE_MS / 1000} s; service logs kept in ${workDir}`);
    void closeHosts()
      .then(() => redis?.stop())
      .finally(() => process.exit(1));
  }, DEADLINE_MS);
  deadline.unref();
  /** What every service process reports, added up (memory: the worst ratio is checked). */
  const sampleAll = () => Promise.all(hosts.map((host) => host.sample()));

  try {
    let env: Record<string, string> = {};
    if (WITH_REDIS) {
      if (!redisServerBinary) throw new Error('--redis needs redis-server (Debian: apt-get install -y redis-server)');
      redis = await startRedisServer();
      env = {
        REDIS_URL: redis.url,
        CACHE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        // Twelve function instances, autocannon and Redis on one 2-core machine hold event loops for
        // hundreds of milliseconds (see p99); at the default 50 ms most Redis answers would arrive too late
        // to count, and this variant is about what the instances share, not about that machine.
        REDIS_TIMEOUT_MS: '1000',
        JWT_SECRET: sharedIssuer.secret,
        JWT_ISSUER: sharedIssuer.issuer,
        JWT_AUDIENCE: sharedIssuer.audience,
      };
    }
    hosts = await Promise.all(logFds.map((logFd, i) => startServiceHost(logFd, errFds[i]!, env)));
    const first = await sampleAll();
    console.log(`stsgate load test: the local token service under autocannon on loopback${WITH_REDIS ? `, ${INSTANCES} instances sharing Redis` : ''}`);
    for (const host of hosts) console.log(`  service     ${host.url}, its own process (pid ${host.pid}, node --expose-gc), ${host.banner.split('\n')[0]}`);
    if (redis) console.log(`  shared      redis-server on 127.0.0.1:${redis.port} (REDIS_URL), one JWT issuer (JWT_SECRET) for all`);
    console.log(`  its stdout  one JSON line per request, as under npm start, written to a file and counted below`);

    const mintStarted = performance.now();
    const tokens = WITH_REDIS ? await mintSharedTokens() : await mintTokens(hosts[0]!.url);
    const observed = new Observations(tokens);
    const mix = CLOUDS.map((cloud) => `${cloud} ${share(CLOUD_CYCLE.filter((c) => c === cloud).length, CLOUD_CYCLE.length)}`).join(', ');
    console.log(`  subjects    ${SUBJECTS}, a JWT each ${WITH_REDIS ? 'signed here with JWT_SECRET' : 'from GET /dev/token'} (${ms(performance.now() - mintStarted)})`);
    console.log(`  load        ${CONNECTIONS} connections${INSTANCES > 1 ? ` (${CONNECTIONS / INSTANCES} to each instance)` : ''}, POST with Authorization: Bearer rotating over the subjects; ${mix}`);
    console.log('');

    const urls = hosts.map((host) => host.url);
    const warmup = await runPhase('warm-up', urls, WARMUP_REQUESTS, observed);
    const afterWarmup = await sampleAll();
    const main = await runPhase('main', urls, MAIN_REQUESTS, observed);
    const afterRun = await sampleAll();
    // The hosts have exited once this resolves, so their logs are complete.
    await closeHosts();

    // ---- figures ----
    const phases = [warmup, main];
    const sum = (pick: (r: autocannon.Result) => number) => phases.reduce((total, p) => total + pick(p.result), 0);
    const answered = sum((r) => r.requests.total);
    const sent = sum((r) => r.requests.sent);
    const errors = sum((r) => r.errors);
    const timeouts = sum((r) => r.timeouts);
    const non2xx = sum((r) => r.non2xx);
    const fiveXx = Math.max(sum((r) => r['5xx']), observed.count((status) => status >= 500));
    const seconds = warmup.seconds + main.seconds;

    console.log(`  ${'phase'.padEnd(10)}${'requests'.padStart(9)}${'time'.padStart(10)}${'req/s'.padStart(9)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}`);
    for (const { name, result, seconds: s } of phases) {
      console.log(phaseRow(name, result.requests.total, s, ms(result.latency.p50), ms(result.latency.p99), ms(result.latency.max)));
    }
    console.log(phaseRow('all', answered, seconds, '', '', ''));
    const statusList = [...observed.statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${int(count)}`).join(', ');
    console.log(`  answers     ${statusList || 'none'}; non-2xx ${int(non2xx)}, 5xx ${int(fiveXx)}; errors ${int(errors)}, timeouts ${int(timeouts)}`);
    console.log('');

    console.log('  STS/IAM emulator requests per cloud, against its distinct scopes (subjects sent to it):');
    const stsProblems: string[] = [];
    const stsOf = (samples: readonly HostSample[], cloud: Cloud) =>
      samples.some((sample) => sample.stsRequests[cloud] === undefined) ? undefined : samples.reduce((total, sample) => total + sample.stsRequests[cloud]!, 0);
    for (const cloud of CLOUDS) {
      const total = stsOf(afterRun, cloud);
      const beforeMain = stsOf(afterWarmup, cloud);
      const initial = stsOf(first, cloud);
      const scopes = observed.scopes[cloud].size;
      if (total === undefined || beforeMain === undefined || initial === undefined) {
        stsProblems.push(`${cloud} is not emulated, so its calls cannot be counted`);
        console.log(`    ${cloud.padEnd(8)} not emulated`);
        continue;
      }
      const calls = total - initial;
      if (calls > scopes) stsProblems.push(`${cloud}: ${calls} STS requests for ${scopes} scopes`);
      console.log(
        `    ${cloud.padEnd(8)}${int(calls).padStart(6)} for ${int(scopes)} scopes and ${int(observed.sent[cloud])} requests (${int(total - beforeMain)} of them in the main phase)`,
      );
    }

    // Each process against itself; the worst of them is checked.
    const ratios = afterRun.map((sample, i) => sample.rss / afterWarmup[i]!.rss);
    const ratio = Math.max(...ratios);
    const gcNote = afterRun[0]!.gcForced ? 'each reading after a forced full GC, the service runs with --expose-gc' : 'no forced GC';
    const memoryRow = (label: string, sample: HostSample) => `    ${label.padEnd(32)}${mb(sample.rss).padStart(9)}   heap ${mb(sample.heapUsed).padStart(8)}`;
    for (const [i, host] of hosts.entries()) {
      console.log(`  service RSS${INSTANCES > 1 ? ` of ${host.url}` : ''} (${gcNote}):`);
      console.log(memoryRow('at start', first[i]!));
      console.log(memoryRow(`after the first ${int(WARMUP_REQUESTS)} requests`, afterWarmup[i]!));
      console.log(`${memoryRow(`after all ${int(answered)} requests`, afterRun[i]!)}   ratio ${ratios[i]!.toFixed(3)} (limit ${MAX_RSS_GROWTH.toFixed(2)})`);
    }

    const log = tallyLog(logPaths);
    const stderrLines = errPaths.flatMap((path) => readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== ''));
    const byProvider = CLOUDS.map((cloud) => `${cloud} ${int(log.byProvider.get(cloud) ?? 0)}`).join(', ');
    const byCache = [...log.byCache].map(([outcome, count]) => `${outcome} ${int(count)}`).join(', ');
    const byShared = [...log.bySharedState].map(([outcome, count]) => `${outcome} ${int(count)}`).join(', ');
    console.log(`  service log ${int(log.requests)} request lines (${byProvider}; cache: ${byCache}${byShared ? `; shared state: ${byShared}` : ''}), ${log.otherLines} other, ${stderrLines.length} on stderr`);
    console.log('');

    // ---- checks ----
    const failures: string[] = [];
    const check = (ok: boolean, what: string, details: readonly string[] = []) => {
      console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
      if (ok) return;
      failures.push(what);
      for (const detail of details) console.log(`         ${detail}`);
    };
    check(answered === WARMUP_REQUESTS + MAIN_REQUESTS && answered >= MIN_TOTAL_REQUESTS && sent === answered, `${int(answered)} of ${int(sent)} requests answered (at least ${int(MIN_TOTAL_REQUESTS)} required)`);
    check(errors === 0 && timeouts === 0, `${errors} connection errors, ${timeouts} timeouts`);
    check(non2xx === 0, `${non2xx} non-2xx answers`, [statusList]);
    check(fiveXx === 0, `${fiveXx} 5xx answers`);
    check(observed.wrongAnswers === 0, `${observed.wrongAnswers} answers not a 200 with keys for the subject's own prefix on the cloud asked`, observed.examples.map((example) => `e.g. ${example}`));
    check(stsProblems.length === 0, 'STS/IAM requests per cloud no more than its distinct scopes', stsProblems);
    check(ratio <= MAX_RSS_GROWTH, `RSS after the run ${ratio.toFixed(3)}× that after the first ${int(WARMUP_REQUESTS)} requests (at most ${MAX_RSS_GROWTH.toFixed(2)}×)`);
    check(log.requests === answered, `the service logged ${int(log.requests)} request lines for ${int(answered)} requests`);

    const total = (performance.now() - started) / 1000;
    if (failures.length > 0) {
      for (const line of stderrLines.slice(0, 5)) console.error(`  service stderr: ${line.slice(0, 300)}`);
      console.error(`load test FAILED (${failures.length} check${failures.length === 1 ? '' : 's'}) in ${total.toFixed(1)} s: ${failures.join(' | ')}`);
      console.error(`service logs kept in ${workDir}`);
      return 1;
    }
    keepLogs = false;
    console.log(`load test passed in ${total.toFixed(1)} s`);
    return 0;
  } catch (error) {
    // Before the checks could run (the service did not start, a token could not be minted, ...): say why.
    console.error(`load test FAILED: ${error instanceof Error ? error.message : String(error)}`);
    await closeHosts();
    const stderrTail = errPaths.flatMap((path) => readFileSync(path, 'utf8').trim().split('\n').slice(-10));
    for (const line of stderrTail) if (line.trim() !== '') console.error(`  service stderr: ${line.slice(0, 300)}`);
    console.error(`service logs kept in ${workDir}`);
    return 1;
  } finally {
    clearTimeout(deadline);
    await closeHosts();
    await redis?.stop();
    for (const fd of [...logFds, ...errFds]) closeSync(fd);
    if (!keepLogs) rmSync(workDir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`load test FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
