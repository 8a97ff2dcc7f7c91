// Cron schedules as Kubernetes CronJobs write them (robfig/cron's standard 5-field parser):
// minute hour day-of-month month day-of-week, each `*`, `N`, `A-B`, lists `A,B`, steps `*/S`
// and `A-B/S`, month and weekday names, and the macros @yearly @annually @monthly @weekly
// @daily @midnight @hourly. When both day fields are restricted a day matches either (cron's
// rule). Times are UTC.

/** How far back missed runs are looked for, ms (one day). */
const WALK_WINDOW_MS = 24 * 3600 * 1000;

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** The first name stands for this value (months start at 1). */
  nameBase?: number;
}
const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

function value(s: string, f: FieldSpec): number {
  const i = f.names?.indexOf(s.toLowerCase()) ?? -1;
  if (i >= 0) return i + (f.nameBase ?? 0);
  if (!/^\d+$/.test(s))
    throw new ScheduleError(`${f.name}: "${s}" is not a number${f.names ? ' or a name' : ''}`);
  const n = Number(s);
  if (n < f.min || n > f.max) throw new ScheduleError(`${f.name}: ${n} is outside ${f.min}-${f.max}`);
  return n;
}

function parseField(text: string, f: FieldSpec): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleError(`${f.name}: step "${stepText}" must be a whole number >= 1`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = f.min;
      hi = f.max;
      if (stepText === undefined) star = true;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = value(a, f);
      hi = value(b, f);
      if (lo > hi) throw new ScheduleError(`${f.name}: range ${range} runs backwards`);
    } else {
      lo = value(range, f);
      hi = stepText === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, star };
}

export class Schedule {
  private constructor(
    private readonly minutes: Set<number>,
    private readonly hours: Set<number>,
    private readonly dom: Set<number>,
    private readonly months: Set<number>,
    private readonly dow: Set<number>,
    private readonly domStar: boolean,
    private readonly dowStar: boolean,
  ) {}

  static parse(expr: string): Schedule {
    const text = MACROS[expr.trim().toLowerCase()] ?? expr.trim();
    const parts = text.split(/\s+/);
    if (parts.length !== 5)
      throw new ScheduleError(
        `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
      );
    const [mi, h, d, mo, w] = parts.map((p, i) => parseField(p, FIELDS[i]));
    // 7 is Sunday too.
    if (w.set.delete(7)) w.set.add(0);
    return new Schedule(mi.set, h.set, d.set, mo.set, w.set, d.star, w.star);
  }

  private dayMatches(t: Date): boolean {
    const dom = this.dom.has(t.getUTCDate());
    const dow = this.dow.has(t.getUTCDay());
    if (this.domStar || this.dowStar) return dom && dow;
    return dom || dow;
  }

  /** The first scheduled time strictly after `after` (minute precision), within 5 years. */
  next(after: Date): Date | undefined {
    const t = new Date(after.getTime());
    t.setUTCSeconds(0, 0);
    t.setUTCMinutes(t.getUTCMinutes() + 1);
    const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
    while (t.getTime() <= limit) {
      if (!this.months.has(t.getUTCMonth() + 1)) {
        t.setUTCMonth(t.getUTCMonth() + 1, 1);
        t.setUTCHours(0, 0, 0, 0);
      } else if (!this.dayMatches(t)) {
        t.setUTCDate(t.getUTCDate() + 1);
        t.setUTCHours(0, 0, 0, 0);
      } else if (!this.hours.has(t.getUTCHours())) {
        t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      } else if (!this.minutes.has(t.getUTCMinutes())) {
        t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      } else return t;
    }
    return undefined;
  }

  /**
   * The latest scheduled time in (from, to] and how many fell in it. Only the last day is
   * walked: a controller that was down longer starts the newest run, not every missed one
   * (upstream warns past 100 missed runs and does the same).
   */
  lastBetween(from: Date, to: Date): { last?: Date; missed: number } {
    const start = new Date(Math.max(from.getTime(), to.getTime() - WALK_WINDOW_MS));
    let last: Date | undefined;
    let missed = 0;
    for (let t = this.next(start); t && t <= to; t = this.next(t)) {
      last = t;
      missed++;
    }
    return { last, missed };
  }
}
