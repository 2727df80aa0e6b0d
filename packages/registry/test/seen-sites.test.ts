import { describe, expect, it } from 'vitest';
import { SeenSites } from '../src/usage/seen-sites.ts';

describe('sites seen this week', () => {
  it('knows a (project, site) pair again within its week, and only that pair', () => {
    const seen = new SeenSites();
    expect(seen.firstThisWeek('2026-11-23', 7, 'site-a', 1)).toBe(true);
    expect(seen.firstThisWeek('2026-11-23', 7, 'site-a', 1)).toBe(false);
    expect(seen.firstThisWeek('2026-11-23', 8, 'site-a', 1)).toBe(true);
    expect(seen.firstThisWeek('2026-11-23', 7, 'site-b', 1)).toBe(true);
    // Project ids beyond 32 bits are told apart by their high bits too.
    expect(seen.firstThisWeek('2026-11-23', 7 + 2 ** 32, 'site-a', 1)).toBe(true);
  });

  it('forgets every pair when the week turns, or when told to', () => {
    const seen = new SeenSites();
    seen.firstThisWeek('2026-11-23', 1, 'site', 1);
    expect(seen.firstThisWeek('2026-11-30', 1, 'site', 1)).toBe(true);
    expect(seen.firstThisWeek('2026-11-30', 1, 'site', 1)).toBe(false);
    seen.forget();
    expect(seen.firstThisWeek('2026-11-30', 1, 'site', 1)).toBe(true);
  });

  it('takes the pairs of a lost batch as unseen, so that their next polls are queued again', () => {
    const seen = new SeenSites();
    seen.firstThisWeek('2026-11-23', 1, 'in-lost', 1);
    seen.firstThisWeek('2026-11-23', 1, 'in-kept', 2);
    seen.lost(1);
    expect(seen.firstThisWeek('2026-11-23', 1, 'in-kept', 3)).toBe(false);
    // Queued again, in batch 3: seen from then on.
    expect(seen.firstThisWeek('2026-11-23', 1, 'in-lost', 3)).toBe(true);
    expect(seen.firstThisWeek('2026-11-23', 1, 'in-lost', 3)).toBe(false);
  });

  it('never takes a new pair for one it has seen, even when pairs crowd each other out', () => {
    const seen = new SeenSites();
    // Three million distinct pairs, three times the slots: many land on a taken slot.
    const pairs = 3_000_000;
    let wronglySeen = 0;
    for (let i = 0; i < pairs; i++) if (!seen.firstThisWeek('2026-11-23', i % 1000, `site-${i}`, 1)) wronglySeen++;
    expect(wronglySeen).toBe(0);
    // The latest pairs are still remembered, but for the few whose slot a later one took:
    // the table spreads pairs evenly over its slots.
    let remembered = 0;
    for (let i = pairs - 100_000; i < pairs; i++)
      if (!seen.firstThisWeek('2026-11-23', i % 1000, `site-${i}`, 1)) remembered++;
    expect(remembered).toBeGreaterThan(85_000);
  });
});
