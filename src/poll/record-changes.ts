// The event side of a poll, in its transaction: storing the firewall events
// read, attributing newly opened findings to the account that made the
// change, and judging the interval since the previous inventory poll
// (changes no snapshot captured, broad changes).
import type { EventRead } from '../collect/events.js';
import type { ChangeSettings } from '../config/notification-types.js';
import { attributionFor } from '../drift/attribution.js';
import { INTERVAL_RULES, evaluateChanges, type HostInterval } from '../drift/changes.js';
import { attributed } from '../model/attribution.js';
import type { Finding } from '../model/finding.js';
import type { FirewallState } from '../model/firewall.js';
import type { Transition } from '../store/findings.js';
import type { PollStamp } from '../store/hosts.js';
import type { InventoryPoll } from '../store/intervals.js';
import type { PollKind } from '../store/polls.js';
import { StoreError } from '../store/store-error.js';
import type { Store } from '../store/store.js';

export interface ChangeRecord {
  kind: PollKind;
  vcenter: string;
  vcenterId: number;
  stamp: PollStamp;
  /** Events this poll read, and the position after them; null when it read none. */
  events: EventRead | null;
  /** Transitions recorded so far by this poll. */
  transitions: readonly Transition[];
  settings: ChangeSettings;
}

/** How far back attribution looks for the event behind a new finding, past the previous poll, in milliseconds. */
const ATTRIBUTION_MARGIN_MS = 5 * 60_000;

export function recordChanges(store: Store, record: ChangeRecord): Transition[] {
  if (record.events) {
    store.events.record(record.vcenterId, record.events.events, record.events.position, record.stamp.pollId);
  }
  store.polls.markEventsThrough(record.stamp.pollId, record.vcenterId);
  const previous = store.intervals.previousInventoryPoll(record.vcenterId, record.stamp.pollId);
  const interval = record.kind === 'inventory' && previous ? judgeInterval(store, record, previous) : [];
  const since = new Date(Date.parse(previous?.finishedAt ?? record.stamp.at) - ATTRIBUTION_MARGIN_MS).toISOString();
  attributeOpened(store, record, [...record.transitions, ...interval], since);
  return interval;
}

function attributeOpened(store: Store, record: ChangeRecord, transitions: readonly Transition[], since: string): void {
  const opened = transitions.filter((transition) => transition.kind === 'opened').map((transition) => transition.findingId);
  if (opened.length === 0) {
    return;
  }
  const events = store.events.between(record.vcenterId, since, record.stamp.at);
  if (events.length === 0) {
    return;
  }
  for (const finding of store.holds.byIds(opened)) {
    const attribution = attributionFor(finding, events, record.settings.authorizedAdmins);
    if (attribution) {
      const adjusted = attributed(finding, attribution);
      store.findings.setAttribution(finding.id, attribution, adjusted.severity, adjusted.message);
    }
  }
}

function judgeInterval(store: Store, record: ChangeRecord, previous: InventoryPoll): Transition[] {
  // Events stored since the previous poll, whatever their time: one created
  // while that poll read hosts is stored only by this one. Polls written
  // before the mark existed fall back to event times.
  const events =
    previous.eventsThrough === null
      ? store.events.between(record.vcenterId, previous.finishedAt, record.stamp.at)
      : store.events.storedAfter(record.vcenterId, previous.eventsThrough);
  const withEvents = [...new Set(events.map((event) => event.hostMoid).filter((moid): moid is string => moid !== null))];
  const lookback = new Date(Date.parse(previous.finishedAt) - ATTRIBUTION_MARGIN_MS).toISOString();
  const rows = store.intervals.hostsChangedSince(record.vcenterId, previous.id, withEvents, lookback);
  const state = (hash: string | null): FirewallState | null => (hash === null ? null : storedState(store, hash));
  const hosts: HostInterval[] = rows.map((row) => ({ moid: row.moid, name: row.name, cluster: row.cluster, before: state(row.beforeHash), after: state(row.afterHash), capturedAt: row.capturedAt }));
  const findings = evaluateChanges({ vcenter: record.vcenter, hosts, events, thresholds: record.settings.broadChange });
  const hostIds = new Map(rows.map((row) => [row.moid, row.hostId]));
  return reconcileInterval(store, record, findings, hostIds);
}

function storedState(store: Store, hash: string): FirewallState {
  const state = store.snapshots.state(hash);
  if (state === null) {
    throw new StoreError(`snapshot ${hash} is referenced by a host state but missing from the snapshots table`);
  }
  return state;
}

/** Opens the interval findings of this poll and resolves those of the previous interval, host by host. */
function reconcileInterval(store: Store, record: ChangeRecord, findings: readonly Finding[], hostIds: Map<string, number>): Transition[] {
  const open = store.findings.openByRules(record.vcenter, [...INTERVAL_RULES]);
  const scopes = new Map<number | null, { current: Finding[]; open: typeof open }>();
  const scope = (hostId: number | null) => {
    let entry = scopes.get(hostId);
    if (!entry) {
      entry = { current: [], open: [] };
      scopes.set(hostId, entry);
    }
    return entry;
  };
  for (const finding of findings) {
    scope(finding.hostMoid === null ? null : (hostIds.get(finding.hostMoid) ?? null)).current.push(finding);
  }
  for (const row of open) {
    scope(row.hostId).open.push(row);
  }
  const transitions: Transition[] = [];
  for (const [hostId, entry] of scopes) {
    transitions.push(
      ...store.findings.reconcile(
        { hostId, baselineVersionId: null, lastSeen: () => null, resolution: 'the interval it describes has passed' },
        entry.current,
        entry.open,
        record.stamp,
      ),
    );
  }
  return transitions;
}
