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
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CLOUDS, type Cloud, type FromHost, type HostSample, type ToHost } from './load/protocol.js';

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
function serviceEnvironment(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG'];
  return Object.fromEntries(keep.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
}

interface ServiceHost {
  readonly url: string;
  readonly banner: string;
  readonly pid: number | undefined;
  sample(): Promise<HostSample>;
  close(): Promise<void>;
}

async function startServiceHost(logFd: number, errFd: number): Promise<ServiceHost> {
  const child: ChildProcess = fork(join(repoRoot, 'scripts/load/service-host.ts'), [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: serviceEnvironment(),
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

async function runPhase(name: string, url: string, amount: number, observed: Observations): Promise<PhaseResult> {
  const phaseStarted = performance.now();
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    amount,
    timeout: 10,
    requests: [{ setupRequest: observed.setupRequest, onResponse: observed.onResponse }],
  });
  return { name, result, seconds: (observed.lastResponseAt - phaseStarted) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------------------
// The service's log
// ---------------------------------------------------------------------------------------------------------------------

interface LogTally {
  requests: number;
  byProvider: Map<string, number>;
  byCache: Map<string, number>;
  otherLines: number;
}

/** The service's one JSON line per request, counted: it shows every answer came from a bundle, and how. */
function tallyLog(path: string): LogTally {
  const tally: LogTally = { requests: 0, byProvider: new Map(), byCache: new Map(), otherLines: 0 };
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    let entry: { msg?: unknown; provider?: unknown; cache?: unknown } = {};
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
  const logPath = join(workDir, 'service.log');
  const errPath = join(workDir, 'service.stderr.log');
  const logFd = openSync(logPath, 'w');
  const errFd = openSync(errPath, 'w');
  let host: ServiceHost | undefined;
  let keepLogs = true;
  const deadline = setTimeout(() => {
    console.error(`FAIL the load test did not finish within ${DEADLINE_MS / 1000} s; service logs kept in ${workDir}`);
    void host?.close().finally(() => process.exit(1));
  }, DEADLINE_MS);
  deadline.unref();

  try {
    host = await startServiceHost(logFd, errFd);
    const first = await host.sample();
    console.log('stsgate load test: the local token service under autocannon on loopback');
    console.log(`  service     ${host.url}, its own process (pid ${host.pid}, node --expose-gc), ${host.banner.split('\n')[0]}`);
    console.log(`  its stdout  one JSON line per request, as under npm start, written to a file and counted below`);

    const mintStarted = performance.now();
    const tokens = await mintTokens(host.url);
    const observed = new Observations(tokens);
    const mix = CLOUDS.map((cloud) => `${cloud} ${share(CLOUD_CYCLE.filter((c) => c === cloud).length, CLOUD_CYCLE.length)}`).join(', ');
    console.log(`  subjects    ${SUBJECTS}, a JWT each from GET /dev/token (${ms(performance.now() - mintStarted)})`);
    console.log(`  load        ${CONNECTIONS} connections, POST with Authorization: Bearer rotating over the subjects; ${mix}`);
    console.log('');

    const warmup = await runPhase('warm-up', host.url, WARMUP_REQUESTS, observed);
    const afterWarmup = await host.sample();
    const main = await runPhase('main', host.url, MAIN_REQUESTS, observed);
    const afterRun = await host.sample();
    // The host has exited once this resolves, so its log is complete.
    await host.close();

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
    for (const cloud of CLOUDS) {
      const total = afterRun.stsRequests[cloud];
      const beforeMain = afterWarmup.stsRequests[cloud];
      const initial = first.stsRequests[cloud];
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

    const ratio = afterRun.rss / afterWarmup.rss;
    const gcNote = afterRun.gcForced ? 'each reading after a forced full GC, the service runs with --expose-gc' : 'no forced GC';
    const memoryRow = (label: string, sample: HostSample) => `    ${label.padEnd(32)}${mb(sample.rss).padStart(9)}   heap ${mb(sample.heapUsed).padStart(8)}`;
    console.log(`  service RSS (${gcNote}):`);
    console.log(memoryRow('at start', first));
    console.log(memoryRow(`after the first ${int(WARMUP_REQUESTS)} requests`, afterWarmup));
    console.log(`${memoryRow(`after all ${int(answered)} requests`, afterRun)}   ratio ${ratio.toFixed(3)} (limit ${MAX_RSS_GROWTH.toFixed(2)})`);

    const log = tallyLog(logPath);
    const stderrLines = readFileSync(errPath, 'utf8').split('\n').filter((line) => line.trim() !== '');
    const byProvider = CLOUDS.map((cloud) => `${cloud} ${int(log.byProvider.get(cloud) ?? 0)}`).join(', ');
    const byCache = [...log.byCache].map(([outcome, count]) => `${outcome} ${int(count)}`).join(', ');
    console.log(`  service log ${int(log.requests)} request lines (${byProvider}; cache: ${byCache}), ${log.otherLines} other, ${stderrLines.length} on stderr`);
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
    await host?.close();
    const stderrTail = readFileSync(errPath, 'utf8').trim().split('\n').slice(-10);
    for (const line of stderrTail) if (line.trim() !== '') console.error(`  service stderr: ${line.slice(0, 300)}`);
    console.error(`service logs kept in ${workDir}`);
    return 1;
  } finally {
    clearTimeout(deadline);
    await host?.close();
    closeSync(logFd);
    closeSync(errFd);
    if (!keepLogs) rmSync(workDir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`load test FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
