/**
 * One bench run: stand up the three deployments on loopback, measure cold starts (child processes),
 * then everything in-process, then judge the goals. The run is one unit on purpose: every ratio it
 * reports compares numbers taken minutes apart at most, on the same machine in the same state.
 *
 * @module
 */
import { type ColdResults, runColdStart } from './cold/cold-start.js';
import type { BenchConfig } from './config.js';
import { closeDeployments, startDeployments } from './deployments.js';
import { evaluateGoals, type Goal } from './goals.js';
import { type InProcessResults, runInProcess } from './inprocess/run-inprocess.js';
import { machineFacts, type MachineFacts } from './machine.js';
import { type Revision, sourceRevision } from './revision.js';

export interface BenchResults {
  readonly schema: 1;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineFacts;
  /** The commit whose bundles were measured. */
  readonly revision: Revision | null;
  readonly config: BenchConfig;
  readonly cold: ColdResults;
  readonly inProcess: InProcessResults;
  readonly goals: readonly Goal[];
}

export async function runBench(config: BenchConfig, onProgress: (message: string) => void = () => {}): Promise<BenchResults> {
  const startedAt = new Date();
  const machine = machineFacts();
  const revision = sourceRevision();
  const deployments = await startDeployments();
  try {
    const cold = await runColdStart(config, deployments, onProgress);
    const inProcess = await runInProcess(config, deployments, onProgress);
    return {
      schema: 1,
      startedAt: startedAt.toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
      machine,
      revision,
      config,
      cold,
      inProcess,
      goals: evaluateGoals(cold, inProcess),
    };
  } finally {
    await closeDeployments(deployments);
  }
}
