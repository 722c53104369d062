/**
 * A real `redis-server` for the shared-state tests: started on a free loopback port with a password and
 * no persistence, and stopped, killed, paused (SIGSTOP, so it hangs with its sockets open) or restarted on
 * the same port by the test.
 *
 * Where no binary is found the suites are skipped loudly; with STSGATE_REQUIRE_REDIS=1 (as `.ci/run` sets)
 * a missing binary fails them instead.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

/** `REDIS_SERVER` (a path; set to a missing one, it disables the suites), else `redis-server` on the PATH, else Debian's path. */
export const redisServerBinary: string | undefined = (() => {
  if (process.env.REDIS_SERVER) return existsSync(process.env.REDIS_SERVER) ? process.env.REDIS_SERVER : undefined;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined;
  }
})();

/**
 * Whether the Redis suites can run. Says so loudly when they cannot; throws (failing the suite) when
 * STSGATE_REQUIRE_REDIS=1.
 */
export function redisAvailable(suite: string): boolean {
  if (redisServerBinary) return true;
  const howTo = 'Install it (Debian: apt-get install -y redis-server) or point REDIS_SERVER at one';
  if (process.env.STSGATE_REQUIRE_REDIS === '1') {
    throw new Error(`${suite}: no redis-server binary found, and STSGATE_REQUIRE_REDIS=1 requires one. ${howTo}.`);
  }
  const message = `${suite}: SKIPPED, no redis-server binary found. ${howTo}; STSGATE_REQUIRE_REDIS=1 turns this skip into a failure.`;
  console.warn(`\n${'!'.repeat(100)}\n${message}\n${'!'.repeat(100)}\n`);
  return false;
}

export interface RedisServer {
  readonly port: number;
  readonly password: string;
  /** `redis://:<password>@127.0.0.1:<port>/0` */
  readonly url: string;
  /** An administrative connection, for looking inside and changing settings. */
  admin(): Redis;
  /** SIGSTOP: the server keeps its sockets but answers nothing. */
  pause(): void;
  resume(): void;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** A fresh, empty server on the same port and password. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startRedisServer(extraArgs: readonly string[] = []): Promise<RedisServer> {
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const admins: Redis[] = [];

  const launch = async () => {
    child = spawn(
      redisServerBinary!,
      ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no', '--loglevel', 'warning', ...extraArgs],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
  };
  const exit = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill(signal);
    await exited;
  };

  await launch();
  return {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    admin() {
      const client = new Redis({ port, host: '127.0.0.1', password, maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      admins.push(client);
      return client;
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    kill: () => exit('SIGKILL'),
    async restart() {
      await exit('SIGKILL');
      await launch();
    },
    async stop() {
      for (const admin of admins) admin.disconnect();
      await exit('SIGTERM');
    },
  };
}
