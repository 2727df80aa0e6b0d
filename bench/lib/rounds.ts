import os from 'node:os';
import { runWrk, type LoadResult } from '../feed-load.ts';

/** The wrk load of every run, tuned by BENCH_SECONDS, BENCH_RUNS and BENCH_CONNECTIONS. */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

export interface Target {
  label: string;
  url: string;
  script: string;
  /** Pause after each run, for work a run leaves behind (written later) not to weigh on the next. */
  settleMs?: number;
}

export interface Figures {
  median: LoadResult;
  best: LoadResult;
}

export function fmt(value: number, digits = 2): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The machine's load averages (1, 5, 15 min): other work on it lowers every figure. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => fmt(l))
    .join(' ');
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs alternate between all targets, round after round, so that noise on a shared machine
 * falls on every server alike. Noise only ever slows a run down, so the best run is the
 * closest to each server's capacity; the median is printed beside it (labels padded to
 * `labelWidth`).
 */
export async function measureRounds(targets: Target[], labelWidth: number): Promise<Figures[]> {
  for (const { url, script, settleMs = 0 } of targets) {
    await runWrk(url, script, { seconds: 3, connections: CONNECTIONS }); // JIT, caches
    await pause(settleMs);
  }
  const runs: LoadResult[][] = targets.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (const [i, { label, url, script, settleMs = 0 }] of targets.entries()) {
      const result = await runWrk(url, script, { seconds: SECONDS, connections: CONNECTIONS });
      if (result.errors > 0 || result.badStatus > 0)
        throw new Error(`${label}: ${result.errors} socket errors, ${result.badStatus} bad statuses`);
      runs[i]!.push(result);
      await pause(settleMs);
    }
  }
  console.log(`\n  ${''.padEnd(labelWidth)} best req/s (p99)      median req/s (p99)`);
  return targets.map(({ label }, i) => {
    const sorted = [...runs[i]!].sort((a, b) => a.rps - b.rps);
    const figures = { median: sorted[Math.floor(sorted.length / 2)]!, best: sorted[sorted.length - 1]! };
    const show = (r: LoadResult) => `${fmt(r.rps, 0).padStart(7)} (${fmt(r.p99Ms)} ms)`;
    console.log(`  ${label.padEnd(labelWidth)} ${show(figures.best).padEnd(22)} ${show(figures.median)}`);
    return figures;
  });
}
