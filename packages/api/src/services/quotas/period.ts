/** The billing period: the calendar month (UTC) holding `now`. Days are `YYYY-MM-DD`, `end` exclusive. */
export interface UsagePeriod {
  /** `YYYY-MM`. */
  key: string;
  start: string;
  end: string;
}

export function periodOf(now: Date): UsagePeriod {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const day = (y: number, m: number) => new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  const start = day(year, month);
  return { key: start.slice(0, 7), start, end: day(year, month + 1) };
}
