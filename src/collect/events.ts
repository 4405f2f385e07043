// Firewall events since a stored position. The position is the last event
// key and its time, so a restart neither misses events nor stores them
// twice: events are read from that time on (vCenter's beginTime is
// inclusive) and those at or below the key are dropped.
import type { FirewallEvent } from '../model/event.js';
import type { VimClient } from '../vsphere/client.js';
import { currentTime, readEvents, type VimEvent } from '../vsphere/events.js';

/** Event ids read: vCenter's host firewall and SSH events, and tasks (filtered to HostFirewallSystem methods). */
export const FIREWALL_EVENT_TYPES: readonly string[] = [
  'esx.audit.net.firewall.config.changed',
  'esx.audit.net.firewall.disabled',
  'esx.audit.net.firewall.enabled',
  'esx.audit.net.firewall.port.hooked',
  'esx.audit.net.firewall.port.removed',
  'esx.problem.net.firewall.config.failed',
  'esx.problem.net.firewall.port.hookfailed',
  'esx.audit.ssh.enabled',
  'esx.audit.ssh.disabled',
  'TaskEvent',
];

export interface EventPosition {
  lastKey: number;
  lastCreatedAt: string;
}

export interface EventRead {
  events: FirewallEvent[];
  position: EventPosition;
}

/**
 * Reads firewall events after `position`. Without a position (the first
 * poll of a vCenter) it reads none and starts from vCenter's clock now, so
 * old history does not flood the first poll.
 */
export async function readFirewallEvents(client: VimClient, position: EventPosition | null): Promise<EventRead> {
  if (!position) {
    return { events: [], position: { lastKey: 0, lastCreatedAt: await currentTime(client) } };
  }
  const raw = await readEvents(client, { eventTypeIds: FIREWALL_EVENT_TYPES, beginTime: position.lastCreatedAt });
  const events = raw.filter((event) => event.key > position.lastKey && isFirewallEvent(event)).map(toFirewallEvent);
  let next = position;
  for (const event of raw) {
    if (event.key > next.lastKey) {
      next = { lastKey: event.key, lastCreatedAt: event.createdTime };
    }
  }
  return { events, position: next };
}

/**
 * Writes a vCenter time as vdrift writes its own: UTC with milliseconds.
 * vCenter may send more digits or an offset, and times are compared as
 * text in the database, where "47.04354336Z" would sort before "47.043Z".
 */
function instant(text: string): string {
  const time = Date.parse(text);
  return Number.isNaN(time) ? text : new Date(time).toISOString();
}

function isFirewallEvent(event: VimEvent): boolean {
  return event.kind !== 'TaskEvent' || (event.taskDescriptionId ?? '').startsWith('host.FirewallSystem.');
}

function toFirewallEvent(event: VimEvent): FirewallEvent {
  return {
    key: event.key,
    kind: event.kind,
    eventTypeId: event.eventTypeId,
    createdTime: instant(event.createdTime),
    userName: event.userName,
    hostMoid: event.host?.moid ?? null,
    hostName: event.host?.name ?? null,
    ruleset: rulesetOf(event),
    message: event.message,
    data: event.data,
  };
}

/**
 * The ruleset an event names: an argument called ruleset, or, since the
 * argument names of ESXi's firewall events are not documented, a
 * "rule set NAME" or "ruleset NAME" in the message.
 */
function rulesetOf(event: VimEvent): string | null {
  const argument = event.data.ruleset ?? event.data.rulesetId ?? event.data.id;
  if (argument) {
    return argument;
  }
  const match = /\brule ?set '?([A-Za-z0-9_.-]+)/i.exec(event.message ?? '');
  return match?.[1] ?? null;
}
