import { expect } from 'chai';
import { measureCoverage } from '../../src/report/coverage.js';
import { forEachScheduledTime } from '../../src/report/schedule.js';
import type { PollTimeRow } from '../../src/store/report-queries.js';

function times(expression: string, from: string, to: string): string[] {
  const found: string[] = [];
  forEachScheduledTime(expression, Date.parse(from), Date.parse(to), (time) => found.push(new Date(time).toISOString()));
  return found;
}

/** Complete polls every 15 minutes from `from`, skipping the given slot numbers, each started 3 seconds late. */
function polls(from: string, count: number, skip: number[] = [], outcome: PollTimeRow['outcome'] = 'complete'): PollTimeRow[] {
  const rows: PollTimeRow[] = [];
  for (let i = 0; i < count; i += 1) {
    if (!skip.includes(i)) {
      const started = new Date(Date.parse(from) + i * 900_000 + 3000).toISOString();
      rows.push({ id: i + 1, startedAt: started, finishedAt: started, outcome, error: null });
    }
  }
  return rows;
}

const DAY = { from: '2026-05-01T00:00:00.000Z', to: '2026-05-02T00:00:00.000Z' };

describe('forEachScheduledTime', () => {
  // The process time zone decides hour fields; these cases use minute and
  // second fields only, so they hold in every zone with whole-hour offsets.
  it('expects 96 polls a day', () => {
    expect(times('*/15 * * * *', DAY.from, DAY.to)).to.have.length(96);
  });

  it('starts at the period start', () => {
    expect(times('*/15 * * * *', DAY.from, DAY.to)[0]).to.equal('2026-05-01T00:00:00.000Z');
  });

  it('excludes the period end', () => {
    expect(times('*/15 * * * *', DAY.from, DAY.to).at(-1)).to.equal('2026-05-01T23:45:00.000Z');
  });

  it('reads a seconds field', () => {
    expect(times('*/20 * * * * *', DAY.from, '2026-05-01T00:02:00.000Z')).to.have.length(6);
  });

  it('starts mid-minute when the period does', () => {
    expect(times('*/20 * * * * *', '2026-05-01T00:00:30.000Z', '2026-05-01T00:01:00.000Z')).to.deep.equal(['2026-05-01T00:00:40.000Z']);
  });

  it('rejects an invalid expression', () => {
    expect(() => times('61 * * * *', DAY.from, DAY.to)).to.throw();
  });
});

/** A first poll long before the day measured. */
const EARLIER = '2026-01-01T00:00:00.000Z';

describe('measureCoverage', () => {
  it('counts every slot covered', () => {
    const { coverage, intervalSeconds } = measureCoverage('*/15 * * * *', Date.parse(DAY.from), Date.parse(DAY.to), [{ vcenter: 'vc', polls: polls(DAY.from, 96), firstPollAt: EARLIER }]);
    expect(intervalSeconds).to.equal(900);
    expect(coverage[0]!.expectedPolls).to.equal(96);
    expect(coverage[0]!.coveredPolls).to.equal(96);
    expect(coverage[0]!.coveragePercent).to.equal(100);
    expect(coverage[0]!.gaps).to.deep.equal([]);
  });

  it('ignores two missed polls', () => {
    const { coverage } = measureCoverage('*/15 * * * *', Date.parse(DAY.from), Date.parse(DAY.to), [{ vcenter: 'vc', polls: polls(DAY.from, 96, [10, 11]), firstPollAt: EARLIER }]);
    expect(coverage[0]!.coveredPolls).to.equal(94);
    expect(coverage[0]!.gaps).to.deep.equal([]);
  });

  it('lists three missed polls as a gap', () => {
    const { coverage } = measureCoverage('*/15 * * * *', Date.parse(DAY.from), Date.parse(DAY.to), [{ vcenter: 'vc', polls: polls(DAY.from, 96, [10, 11, 12]), firstPollAt: EARLIER }]);
    expect(coverage[0]!.gaps).to.deep.equal([{ from: '2026-05-01T02:30:00.000Z', to: '2026-05-01T03:15:00.000Z', missedPolls: 3, durationSeconds: 2700, beforeFirstPoll: false }]);
  });

  it('counts failed polls as missed', () => {
    const rows = polls(DAY.from, 96).map((row, i) => (i >= 90 ? { ...row, outcome: 'failed' as const } : row));
    const { coverage } = measureCoverage('*/15 * * * *', Date.parse(DAY.from), Date.parse(DAY.to), [{ vcenter: 'vc', polls: rows, firstPollAt: EARLIER }]);
    expect(coverage[0]!.coveredPolls).to.equal(90);
    expect(coverage[0]!.failedPolls).to.equal(6);
    expect(coverage[0]!.completePolls).to.equal(90);
    expect(coverage[0]!.gaps).to.deep.equal([{ from: '2026-05-01T22:30:00.000Z', to: '2026-05-02T00:00:00.000Z', missedPolls: 6, durationSeconds: 5400, beforeFirstPoll: false }]);
  });

  it('reports a vCenter never polled', () => {
    const { coverage } = measureCoverage('*/15 * * * *', Date.parse(DAY.from), Date.parse(DAY.to), [{ vcenter: 'vc', polls: [], firstPollAt: null }]);
    expect(coverage[0]!.coveredPolls).to.equal(0);
    expect(coverage[0]!.coveragePercent).to.equal(0);
    expect(coverage[0]!.gaps).to.have.length(1);
    expect(coverage[0]!.gaps[0]!.beforeFirstPoll).to.equal(true);
  });

  it('marks the gap before the first poll', () => {
    const rows = polls(DAY.from, 96).slice(40);
    const { coverage } = measureCoverage('*/15 * * * *', Date.parse(DAY.from), Date.parse(DAY.to), [{ vcenter: 'vc', polls: rows, firstPollAt: rows[0]!.startedAt }]);
    expect(coverage[0]!.firstPollAt).to.equal(rows[0]!.startedAt);
    expect(coverage[0]!.gaps.map((gap) => [gap.from, gap.to, gap.beforeFirstPoll])).to.deep.equal([['2026-05-01T00:00:00.000Z', '2026-05-01T10:00:00.000Z', true]]);
  });

  it('counts extra polls once per slot', () => {
    const rows = [...polls(DAY.from, 96), ...polls(DAY.from, 96).map((row) => ({ ...row, id: row.id + 1000 }))];
    rows.sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
    const { coverage } = measureCoverage('*/15 * * * *', Date.parse(DAY.from), Date.parse(DAY.to), [{ vcenter: 'vc', polls: rows, firstPollAt: EARLIER }]);
    expect(coverage[0]!.completePolls).to.equal(192);
    expect(coverage[0]!.coveredPolls).to.equal(96);
  });
});
