// vCenter events about host firewalls, as vdrift stores and judges them.

export interface FirewallEvent {
  key: number;
  /** vim25 class: EventEx, ExtendedEvent or TaskEvent. */
  kind: string;
  eventTypeId: string;
  createdTime: string;
  userName: string | null;
  hostMoid: string | null;
  hostName: string | null;
  /** The ruleset the event names, when it names one. */
  ruleset: string | null;
  message: string | null;
  data: Record<string, string>;
}

/** Events that change a firewall and so start a re-read, count for change-between-polls and attribute findings. */
export const CHANGE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'esx.audit.net.firewall.config.changed',
  'esx.audit.net.firewall.disabled',
  'esx.audit.net.firewall.enabled',
  'esx.audit.ssh.enabled',
  'esx.audit.ssh.disabled',
  'TaskEvent',
]);

export const FIREWALL_DISABLED_EVENT = 'esx.audit.net.firewall.disabled';

/** Whether an event changes a firewall; routine port events are stored but change nothing. */
export function isChangeEvent(event: Pick<FirewallEvent, 'eventTypeId'>): boolean {
  return CHANGE_EVENT_TYPES.has(event.eventTypeId);
}
