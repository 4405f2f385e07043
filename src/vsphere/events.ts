// Reading vCenter's event history: an EventHistoryCollector with a filter,
// paged with ReadNextEvents (oldest first), destroyed afterwards.
import type { VimClient } from './client.js';
import { methodCall, text, texts } from './envelope.js';
import { arrayOf, dynamic, field, object, type ObjectSpec } from './xml/spec.js';
import type { ManagedObjectReference } from './types.js';

/** One event, shaped the same whatever its vim25 class. */
export interface VimEvent {
  key: number;
  chainId: number | null;
  /** vim25 class: EventEx, ExtendedEvent, TaskEvent, ... */
  kind: string;
  /** eventTypeId of EventEx and ExtendedEvent; the class name otherwise. */
  eventTypeId: string;
  createdTime: string;
  userName: string | null;
  host: { moid: string; name: string } | null;
  message: string | null;
  /** Arguments of an EventEx or data of an ExtendedEvent, as text. */
  data: Record<string, string>;
  /** descriptionId of the task of a TaskEvent, for example host.FirewallSystem.updateRuleset. */
  taskDescriptionId: string | null;
}

export interface EventQuery {
  eventTypeIds: readonly string[];
  /** Inclusive lower bound on createdTime, ISO 8601. */
  beginTime?: string;
}

const HOST_ARGUMENT = object({ name: 'string', host: 'moref' });
const KEY_VALUE = object({ key: 'string', value: dynamic({}) });

const BASE_FIELDS = {
  key: 'int',
  chainId: 'int',
  createdTime: 'string',
  userName: 'string',
  host: HOST_ARGUMENT,
  fullFormattedMessage: 'string',
} as const;

const EVENT = dynamic({
  EventEx: object({ ...BASE_FIELDS, eventTypeId: 'string', message: 'string', arguments: arrayOf(KEY_VALUE) }, { keepType: true }),
  ExtendedEvent: object({ ...BASE_FIELDS, eventTypeId: 'string', data: arrayOf(KEY_VALUE) }, { keepType: true }),
  TaskEvent: object({ ...BASE_FIELDS, info: object({ descriptionId: 'string', name: 'string' }) }, { keepType: true }),
});

interface RawEvent {
  $type?: string;
  $unknown?: true;
  key?: number;
  chainId?: number;
  createdTime?: string;
  userName?: string;
  host?: { name?: string; host?: ManagedObjectReference };
  fullFormattedMessage?: string;
  eventTypeId?: string;
  message?: string;
  arguments?: { key?: string; value?: unknown }[];
  data?: { key?: string; value?: unknown }[];
  info?: { descriptionId?: string };
}

/** Builds an EventFilterSpec; vCenter wants its fields in WSDL order. */
export function eventFilter(query: EventQuery): string {
  const time = query.beginTime ? `<time>${text('beginTime', query.beginTime)}</time>` : '';
  return `<filter>${time}${texts('eventTypeId', query.eventTypeIds)}</filter>`;
}

/**
 * Reads every event matching `query`, oldest first. `maxEvents` bounds the
 * read so that a vCenter flooding events cannot stall a poll; the caller
 * learns from the result length whether it stopped early.
 */
export async function readEvents(client: VimClient, query: EventQuery, maxEvents = 50_000, pageSize = 1000): Promise<VimEvent[]> {
  const eventManager = client.serviceContent.eventManager;
  if (!eventManager) {
    throw new Error(`${client.transport.target} has no EventManager`);
  }
  const collector = await client.transport.call<ManagedObjectReference>('CreateCollectorForEvents', methodCall('CreateCollectorForEvents', eventManager, eventFilter(query)), 'moref');
  const events: VimEvent[] = [];
  try {
    while (events.length < maxEvents) {
      const page = await client.transport.call<RawEvent[] | undefined>('ReadNextEvents', methodCall('ReadNextEvents', collector, text('maxCount', pageSize)), field(EVENT, { array: true }));
      if (!page || page.length === 0) {
        break;
      }
      events.push(...page.filter((raw) => !raw.$unknown).map(shapeEvent));
    }
  } finally {
    await client.transport.call('DestroyCollector', methodCall('DestroyCollector', collector), null).catch(() => {
      // The collector dies with the session anyway; the events read are still good.
    });
  }
  return events;
}

/** Reads vCenter's clock, so event positions never mix its clock with ours. */
export async function currentTime(client: VimClient): Promise<string> {
  return client.transport.call<string>('CurrentTime', methodCall('CurrentTime', { type: 'ServiceInstance', value: 'ServiceInstance' }), 'string');
}

function shapeEvent(raw: RawEvent): VimEvent {
  const kind = raw.$type ?? 'Event';
  const pairs = raw.arguments ?? raw.data ?? [];
  const data: Record<string, string> = {};
  for (const pair of pairs) {
    if (pair.key !== undefined && pair.value !== undefined && typeof pair.value !== 'object') {
      data[pair.key] = String(pair.value);
    }
  }
  const moid = raw.host?.host?.value;
  return {
    key: raw.key ?? 0,
    chainId: raw.chainId ?? null,
    kind,
    eventTypeId: raw.eventTypeId ?? kind,
    createdTime: raw.createdTime ?? '',
    userName: raw.userName ?? null,
    host: moid ? { moid, name: raw.host?.name ?? moid } : null,
    message: raw.fullFormattedMessage ?? raw.message ?? null,
    data,
    taskDescriptionId: raw.info?.descriptionId ?? null,
  };
}

