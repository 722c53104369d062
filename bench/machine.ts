/**
 * The facts a reader needs to compare these numbers with their own: CPU, cores, memory, OS, Node.
 *
 * @module
 */
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';

export interface MachineFacts {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly v8: string;
  /** 1-minute load average when the bench started: a busy machine shows here. */
  readonly loadAverage: number;
}

export function machineFacts(): MachineFacts {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()} ${process.arch}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
