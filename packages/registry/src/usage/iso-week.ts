const DAY_MS = 86_400_000;

/** The Monday (UTC) that starts the ISO week of `at`, as YYYY-MM-DD. */
export function isoWeekStart(at: Date): string {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/** `2026-W48` for the week starting on Monday `weekStart` (YYYY-MM-DD). */
export function isoWeekLabel(weekStart: string): string {
  const monday = Date.parse(`${weekStart}T00:00:00Z`);
  // The ISO year is the year of the week's Thursday; week 1 holds January 4th.
  const year = new Date(monday + 3 * DAY_MS).getUTCFullYear();
  const week1 = Date.parse(`${isoWeekStart(new Date(Date.UTC(year, 0, 4)))}T00:00:00Z`);
  const week = Math.round((monday - week1) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The Monday `weeks` weeks before the week of `at`. */
export function weeksBefore(at: Date, weeks: number): string {
  return isoWeekStart(new Date(Date.parse(`${isoWeekStart(at)}T00:00:00Z`) - weeks * 7 * DAY_MS));
}
