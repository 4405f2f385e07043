import { expect } from 'chai';
import { runsInForce } from '../../src/report/state-runs.js';
import { buildTimeline, type DriftInterval } from '../../src/report/timeline.js';
import type { StateRunRow } from '../../src/store/report-queries.js';

const PERIOD = { from: '2026-05-01T00:00:00.000Z', to: '2026-05-02T00:00:00.000Z', endsAtGeneration: false };

function run(id: number, firstSeenAt: string, lastSeenAt: string, options: Partial<StateRunRow> = {}): StateRunRow {
  return {
    id,
    snapshotHash: 'h',
    notCheckedReason: null,
    notCheckedDetail: null,
    baselineVersionId: 1,
    serviceState: null,
    firstPollId: id * 10,
    firstSeenAt,
    lastPollId: id * 10 + 5,
    lastSeenAt,
    current: false,
    ...options,
  };
}

function statuses(runs: StateRunRow[], drift: DriftInterval[] = [], removedAt: string | null = null, unseenSince: string | null = null): string[] {
  return buildTimeline({ ranges: runsInForce(runs, removedAt), period: PERIOD, drift, unseenSince }).map((s) => `${s.from.slice(11, 16)}-${s.to.slice(11, 16)} ${s.status}`);
}

describe('buildTimeline', () => {
  it('shows a clean host as compliant', () => {
    const runs = [run(1, '2026-04-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z', { current: true })];
    expect(statuses(runs)).to.deep.equal(['00:00-00:00 compliant']);
  });

  it('marks an open finding as drifted', () => {
    const runs = [run(1, '2026-04-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z', { current: true })];
    const drift = [{ openedAt: '2026-05-01T06:00:00.000Z', resolvedAt: '2026-05-01T08:00:00.000Z', accepted: [] }];
    expect(statuses(runs, drift)).to.deep.equal(['00:00-06:00 compliant', '06:00-08:00 drifted', '08:00-00:00 compliant']);
  });

  it('marks accepted drift separately', () => {
    const runs = [run(1, '2026-04-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z', { current: true })];
    const drift = [{ openedAt: '2026-05-01T06:00:00.000Z', resolvedAt: null, accepted: [{ from: '2026-05-01T07:00:00.000Z', to: '2026-05-01T09:00:00.000Z' }] }];
    expect(statuses(runs, drift)).to.deep.equal(['00:00-06:00 compliant', '06:00-07:00 drifted', '07:00-09:00 accepted', '09:00-00:00 drifted']);
  });

  it('shows not-checked runs', () => {
    const runs = [
      run(1, '2026-04-01T00:00:00.000Z', '2026-05-01T09:45:00.000Z'),
      run(2, '2026-05-01T10:00:00.000Z', '2026-05-01T11:45:00.000Z', { notCheckedReason: 'disconnected', snapshotHash: null }),
      run(3, '2026-05-01T12:00:00.000Z', '2026-05-02T00:00:00.000Z', { current: true }),
    ];
    expect(statuses(runs)).to.deep.equal(['00:00-10:00 compliant', '10:00-12:00 not-checked', '12:00-00:00 compliant']);
  });

  it('shows a removed host as absent', () => {
    const runs = [run(1, '2026-04-01T00:00:00.000Z', '2026-05-01T09:45:00.000Z')];
    expect(statuses(runs, [], '2026-05-01T10:00:00.000Z')).to.deep.equal(['00:00-10:00 compliant', '10:00-00:00 absent']);
  });

  it('shows a new host as absent first', () => {
    const runs = [run(1, '2026-05-01T10:00:00.000Z', '2026-05-02T00:00:00.000Z', { current: true })];
    expect(statuses(runs)).to.deep.equal(['00:00-10:00 absent', '10:00-00:00 compliant']);
  });

  it('marks the unseen end as not checked', () => {
    const runs = [run(1, '2026-04-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z', { current: true })];
    expect(statuses(runs, [], null, '2026-05-01T20:00:00.000Z')).to.deep.equal(['00:00-20:00 compliant', '20:00-00:00 not-checked']);
  });
});
