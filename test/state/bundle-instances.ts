/**
 * Function instances as separate processes, each loading the built Aliyun bundle with the same
 * environment, fed FC3 events over stdin: what several instances of one deployment sharing Redis are.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface InstanceResult {
  readonly statusCode: number;
  readonly body: string;
  /** Time the handler took, measured in the instance. */
  readonly ms: number;
  readonly thrown?: string;
}

export interface BundleInstance {
  invoke(event: Buffer, context: unknown): Promise<InstanceResult>;
  /** The instance's own log lines so far. */
  readonly log: string[];
  stop(): Promise<void>;
}

const DRIVER = new URL('./bundle-instance.cjs', import.meta.url).pathname;
const BUNDLE = new URL('../../dist/aliyun/index.js', import.meta.url).pathname;

export function startInstance(env: Record<string, string>): BundleInstance {
  const child: ChildProcess = spawn(process.execPath, [DRIVER, BUNDLE, 'handler'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map<number, (result: InstanceResult) => void>();
  const log: string[] = [];
  let next = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (!line.startsWith('RESULT ')) return void log.push(line);
      const { id, ...result } = JSON.parse(line.slice('RESULT '.length)) as InstanceResult & { id: number };
      waiting.get(id)?.(result);
      waiting.delete(id);
    });
  }
  return {
    log,
    invoke(event, context) {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        child.stdin!.write(`${JSON.stringify({ id, base64Event: event.toString('base64'), context })}\n`);
      });
    },
    async stop() {
      child.stdin!.end();
      await exited;
    },
  };
}
