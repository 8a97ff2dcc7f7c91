// Cron schedules (robfig/cron's standard parser, as Kubernetes CronJobs use it), table-driven.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Schedule, ScheduleError } from '../../../hub/controllers/cronjob/schedule.js';

const at = (s: string) => new Date(`${s}Z`);
const iso = (d: Date | undefined) => d?.toISOString().slice(0, 16);

const next: { expr: string; after: string; want: string }[] = [
  { expr: '* * * * *', after: '2026-12-02T12:00:30', want: '2026-12-02T12:01' },
  { expr: '*/15 * * * *', after: '2026-12-02T12:01', want: '2026-12-02T12:15' },
  { expr: '0 3 * * *', after: '2026-12-02T12:00', want: '2026-12-03T03:00' },
  { expr: '30 2 1 * *', after: '2026-12-02T00:00', want: '2027-01-01T02:30' },
  { expr: '0 0 * * mon', after: '2026-12-02T00:00', want: '2026-12-07T00:00' },
  { expr: '0 0 * * 7', after: '2026-12-02T00:00', want: '2026-12-06T00:00' },
  { expr: '0 9-17/4 * * 1-5', after: '2026-12-02T10:00', want: '2026-12-02T13:00' },
  { expr: '0 0 1 feb *', after: '2026-12-02T00:00', want: '2027-02-01T00:00' },
  { expr: '0 0 13 * 5', after: '2026-12-02T00:00', want: '2026-12-04T00:00' },
  { expr: '@hourly', after: '2026-12-02T12:30', want: '2026-12-02T13:00' },
  { expr: '@daily', after: '2026-12-02T12:30', want: '2026-12-03T00:00' },
  { expr: '0 0 29 2 *', after: '2026-12-02T00:00', want: '2028-02-29T00:00' },
];
for (const c of next)
  test(`next("${c.expr}") after ${c.after}`, () => {
    assert.is(iso(Schedule.parse(c.expr).next(at(c.after))), c.want);
  });

const bad: [string, RegExp][] = [
  ['* * * *', /expected 5 fields/],
  ['60 * * * *', /minute: 60 is outside 0-59/],
  ['* 24 * * *', /hour: 24 is outside 0-23/],
  ['* * 0 * *', /day of month: 0 is outside 1-31/],
  ['* * * 13 *', /month: 13 is outside 1-12/],
  ['*/0 * * * *', /step "0"/],
  ['5-1 * * * *', /runs backwards/],
  ['* * * * funday', /not a number or a name/],
];
for (const [expr, msg] of bad)
  test(`parse refuses "${expr}"`, () => {
    assert.throws(
      () => Schedule.parse(expr),
      (e: Error) => e instanceof ScheduleError && msg.test(e.message),
    );
  });

test('lastBetween: the newest run in the window and how many were missed', () => {
  const s = Schedule.parse('*/10 * * * *');
  const r = s.lastBetween(at('2026-12-02T12:00'), at('2026-12-02T12:35'));
  assert.is(iso(r.last), '2026-12-02T12:30');
  assert.is(r.missed, 3);
  assert.equal(s.lastBetween(at('2026-12-02T12:00'), at('2026-12-02T12:05')), { last: undefined, missed: 0 });
  const long = s.lastBetween(at('2020-01-01T00:00'), at('2026-12-02T12:35'));
  assert.is(iso(long.last), '2026-12-02T12:30', 'a long outage starts the newest run');
});

test.run();
