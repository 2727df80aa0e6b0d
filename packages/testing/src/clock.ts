/**
 * Time passed in rather than waited for: `now` follows the real clock plus whatever a test
 * `advance`d it by. The database keeps the real clock, so a test that advances puts the
 * process ahead of every change it commits afterwards: `reset` before writing again.
 */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
  reset(): void;
}

export function testClock(): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
    reset() {
      offset = 0;
    },
  };
}
