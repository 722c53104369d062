/**
 * Invokes a built bundle in a child process under a given Node binary, with a given environment.
 */
import { spawn } from 'node:child_process';

export interface BundleRun {
  node: string;
  results: { statusCode: number; headers: Record<string, string>; body: string; isBase64Encoded?: boolean }[];
  /** Node built-ins (`http`, `internal/crypto/webcrypto`, …) first loaded by the bundle and its requests. */
  builtinsLoaded: string[];
  /** Files loaded through `require`: the bundle, and whatever it required beside it. */
  filesLoaded: string[];
  output: string;
}

const DRIVER = new URL('./invoke-bundle.cjs', import.meta.url).pathname;

export function runBundle(
  nodeBinary: string,
  bundle: string,
  exportName: string,
  env: Record<string, string>,
  invocations: { event?: unknown; base64Event?: string; context?: unknown; getters?: Record<string, string | number> }[],
): Promise<BundleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary, [DRIVER, bundle, exportName], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = output.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) return reject(new Error(`bundle run exited with ${code} and no result:\n${output}`));
      resolve({ ...(JSON.parse(line.slice('RESULT '.length)) as Omit<BundleRun, 'output'>), output });
    });
    child.stdin.end(JSON.stringify(invocations));
  });
}
