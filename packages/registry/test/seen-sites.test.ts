import { describe, expect, it } from 'vitest';
import { SeenSites } from '../src/seen-sites.ts';

describe('sites seen this week', () => {
  it('knows a (project, site) pair again within its week, and only that pair', () => {
    const seen = new SeenSites();
    expect(seen.firstThisWeek('2026-11-23', 7, 'site-a')).toBe(true);
    expect(seen.firstThisWeek('2026-11-23', 7, 'site-a')).toBe(false);
    expect(seen.firstThisWeek('2026-11-23', 8, 'site-a')).toBe(true);
    expect(seen.firstThisWeek('2026-11-23', 7, 'site-b')).toBe(true);
    // Project ids beyond 32 bits are told apart by their high bits too.
    expect(seen.firstThisWeek('2026-11-23', 7 + 2 ** 32, 'site-a')).toBe(true);
  });

  it('forgets every pair when the week turns, or when told to', () => {
    const seen = new SeenSites();
    seen.firstThisWeek('2026-11-23', 1, 'site');
    expect(seen.firstThisWeek('2026-11-30', 1, 'site')).toBe(true);
    expect(seen.firstThisWeek('2026-11-30', 1, 'site')).toBe(false);
    seen.forget();
    expect(seen.firstThisWeek('2026-11-30', 1, 'site')).toBe(true);
  });

  it('never takes a new pair for one it has seen, even when pairs crowd each other out', () => {
    const seen = new SeenSites();
    // Three million distinct pairs, three times the slots: many land on a taken slot.
    const pairs = 3_000_000;
    let wronglySeen = 0;
    for (let i = 0; i < pairs; i++) if (!seen.firstThisWeek('2026-11-23', i % 1000, `site-${i}`)) wronglySeen++;
    expect(wronglySeen).toBe(0);
    // The latest pairs are still remembered, but for the few whose slot a later one took:
    // the table spreads pairs evenly over its slots.
    let remembered = 0;
    for (let i = pairs - 100_000; i < pairs; i++) if (!seen.firstThisWeek('2026-11-23', i % 1000, `site-${i}`)) remembered++;
    expect(remembered).toBeGreaterThan(85_000);
  });
});
