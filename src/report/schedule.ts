// The poll times a cron schedule expected in a period, matched by node-cron
// itself so that the report expects exactly what `vdrift run` schedules.
import cron from 'node-cron';

/**
 * Calls `visit` with every time in [from, to) (epoch milliseconds, in order)
 * at which node-cron would fire `expression`. The fields are read in the
 * process's time zone, as `vdrift run` schedules without a timezone option.
 *
 * node-cron 4.6 matches one instant at a time (`ScheduledTask.match`), and
 * 129,600 calls (every minute of 90 days) took 1.2 s in one measurement with
 * Node 20. Minutes whose local minute and hour are not in the parsed fields
 * are skipped before asking it, so a schedule of every 15 minutes over 90
 * days needs about 9,000 calls. Within a minute that matches, every
 * second in the seconds field matches too, because the other fields do not
 * change within a minute.
 */
export function forEachScheduledTime(expression: string, from: number, to: number, visit: (time: number) => void): void {
  const fields = cron.parse(expression);
  const minutes = new Set(fields.minute);
  const hours = new Set(fields.hour);
  const seconds = [...fields.second].sort((a, b) => a - b);
  const task = cron.createTask(expression, () => undefined);
  try {
    for (let minute = Math.floor(from / 60_000) * 60_000; minute < to; minute += 60_000) {
      const local = new Date(minute);
      if (!minutes.has(local.getMinutes()) || !hours.has(local.getHours())) {
        continue;
      }
      if (!task.match(new Date(minute + seconds[0]! * 1000))) {
        continue;
      }
      for (const second of seconds) {
        const time = minute + second * 1000;
        if (time >= from && time < to) {
          visit(time);
        }
      }
    }
  } finally {
    void task.destroy();
  }
}

/** Returns the IANA time zone of this process, in which the schedule is read. */
export function processTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
