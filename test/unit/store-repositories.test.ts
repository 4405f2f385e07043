import { join } from 'node:path';
import { expect } from 'chai';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../setup.js';

const WINDOW = { scope: { hosts: ['esx0*'] }, startsAt: '2026-12-05T22:00:00.000Z', endsAt: '2026-12-06T02:00:00.000Z', ticket: 'CHG-1', createdBy: 'jdoe', reason: 'patching' };

/** Runs work on a fresh connection, as each vdrift command has. */
function withStore<T>(file: string, work: (store: Store) => T): T {
  const store = Store.open(file);
  try {
    return work(store);
  } finally {
    store.close();
  }
}

describe('WindowRepository', () => {
  it('returns the same id for a repeated window', () => {
    const file = join(tempDir('holds'), 'vdrift.db');
    const first = withStore(file, (store) => store.windows.add(WINDOW, '2026-12-04T10:00:00.000Z'));
    withStore(file, (store) => {
      const again = store.windows.add(WINDOW, '2026-12-04T11:00:00.000Z');
      expect(again).to.equal(first);
      expect(store.windows.byId(again)?.ticket).to.equal('CHG-1');
      expect(store.windows.list()).to.have.length(1);
    });
  });
});

describe('events between inventory polls', () => {
  const event = (key: number, createdTime: string) => ({
    key,
    kind: 'EventEx',
    eventTypeId: 'esx.audit.net.firewall.config.changed',
    createdTime,
    userName: 'root',
    hostMoid: 'host-1',
    hostName: 'esx1',
    ruleset: null,
    message: null,
    data: {},
  });

  it('keeps an event created during the previous poll', () => {
    withStore(join(tempDir('events'), 'vdrift.db'), (store) => {
      const vcenterId = store.polls.vcenterId('vc1');
      const first = store.polls.start(vcenterId, '2026-12-04T10:00:00.000Z', '2026-12-04T10:00:30.000Z', 'complete', null);
      store.events.record(vcenterId, [event(1, '2026-12-04T09:59:00.000Z')], { lastKey: 1, lastCreatedAt: '2026-12-04T09:59:00.000Z' }, first);
      store.polls.markEventsThrough(first, vcenterId);

      // Created while the first poll read hosts, after it read events, so only the second poll stores it.
      const second = store.polls.start(vcenterId, '2026-12-04T10:15:00.000Z', '2026-12-04T10:15:30.000Z', 'complete', null);
      store.events.record(vcenterId, [event(2, '2026-12-04T10:00:10.000Z')], { lastKey: 2, lastCreatedAt: '2026-12-04T10:00:10.000Z' }, second);

      const previous = store.intervals.previousInventoryPoll(vcenterId, second)!;
      expect(previous.id).to.equal(first);
      expect(store.events.storedAfter(vcenterId, previous.eventsThrough!).map((e) => e.key)).to.deep.equal([2]);
      expect(store.events.between(vcenterId, previous.finishedAt, '2026-12-04T10:15:30.000Z')).to.deep.equal([]);
    });
  });
});
