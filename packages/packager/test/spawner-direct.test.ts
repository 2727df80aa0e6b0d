import { describe, expect, it } from 'vitest';
import { spawnWithoutHelper } from '../src/spawner.ts';
import { allEnded, closedSoon, startWithItsOwn } from './processes.ts';

// This file's process only (vitest runs each file in its own): `npm start` starts commands itself.
spawnWithoutHelper();

describe('commands started by this process itself, as npm start does', () => {
  it('kills what the command started too, as through the spawner', async () => {
    const { child, pids } = await startWithItsOwn();
    expect(pids[0]).not.toBe(process.pid);
    expect(child.kill('SIGKILL')).toBe(true);
    expect(await closedSoon(child)).toEqual({ code: null, signal: 'SIGKILL' });
    await allEnded(pids);
  });
});
