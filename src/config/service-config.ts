// Defaults and normalization of the service, notification and window
// sections of the config, on a document that passed the JSON Schema.
import { isAbsolute, resolve } from 'node:path';
import type { Severity } from '../model/finding.js';
import type { ChangeSettings, ServiceSettings, WindowConfig } from './notification-types.js';

export const SERVICE_DEFAULTS = {
  schedule: '*/15 * * * *',
  pollOnStart: true,
  concurrency: 4,
  unreachableAfter: 3,
  health: '127.0.0.1:9464',
  repeatCriticalAfterMinutes: 240,
  maxAttempts: 10,
  retryBaseSeconds: 30,
  maintenanceMode: 'hold',
  minSeverity: 'medium',
  channelTimeoutSeconds: 10,
  pagerdutyUrl: 'https://events.pagerduty.com/v2/enqueue',
  syslogPort: 514,
  syslogProtocol: 'udp',
  syslogFacility: 'local0',
  syslogAppName: 'vdrift',
  probeFirewallService: true,
  probeTimeoutSeconds: 10,
  broadChangeRulesets: 5,
  broadChangeHosts: 5,
  eventsEnabled: true,
  eventWatchSeconds: 10,
  rereadDebounceSeconds: 3,
  rereadRetrySeconds: 60,
} as const;

/** A channel as written: at most one source for each secret. */
export interface ChannelDocument {
  name: string;
  type: 'webhook' | 'slack' | 'teams' | 'pagerduty' | 'syslog';
  minSeverity?: Severity;
  scope?: { vcenters?: string[]; clusters?: string[] };
  timeoutSeconds?: number;
  url?: string;
  urlEnv?: string;
  urlFile?: string;
  secretEnv?: string;
  secretFile?: string;
  routingKeyEnv?: string;
  routingKeyFile?: string;
  host?: string;
  port?: number;
  protocol?: 'udp' | 'tcp';
  facility?: string;
  appName?: string;
}

export interface NotificationsDocument {
  channels?: ChannelDocument[];
  repeatCriticalAfterMinutes?: number;
  maxAttempts?: number;
  retryBaseSeconds?: number;
  maintenanceMode?: 'hold' | 'notify';
}

export interface ServiceDocument {
  schedule?: string;
  pollOnStart?: boolean;
  concurrency?: number;
  unreachableAfter?: number;
  health?: string | false;
  notifications?: NotificationsDocument;
  windows?: WindowConfig[];
  probeFirewallService?: boolean;
  probeTimeoutSeconds?: number;
  authorizedAdmins?: string[];
  broadChange?: { rulesetsPerHost?: number; hosts?: number };
  events?: { enabled?: boolean; watchSeconds?: number; rereadDebounceSeconds?: number; rereadRetrySeconds?: number };
}

export function applyChangeDefaults(document: ServiceDocument): ChangeSettings {
  const events = document.events ?? {};
  return {
    probeFirewallService: document.probeFirewallService ?? SERVICE_DEFAULTS.probeFirewallService,
    probeTimeoutSeconds: document.probeTimeoutSeconds ?? SERVICE_DEFAULTS.probeTimeoutSeconds,
    authorizedAdmins: document.authorizedAdmins ?? null,
    broadChange: {
      rulesetsPerHost: document.broadChange?.rulesetsPerHost ?? SERVICE_DEFAULTS.broadChangeRulesets,
      hosts: document.broadChange?.hosts ?? SERVICE_DEFAULTS.broadChangeHosts,
    },
    events: {
      enabled: events.enabled ?? SERVICE_DEFAULTS.eventsEnabled,
      watchSeconds: events.watchSeconds ?? SERVICE_DEFAULTS.eventWatchSeconds,
      rereadDebounceSeconds: events.rereadDebounceSeconds ?? SERVICE_DEFAULTS.rereadDebounceSeconds,
      rereadRetrySeconds: events.rereadRetrySeconds ?? SERVICE_DEFAULTS.rereadRetrySeconds,
    },
  };
}

export function applyServiceDefaults(document: ServiceDocument): ServiceSettings {
  const health = document.health === undefined ? SERVICE_DEFAULTS.health : document.health;
  return {
    schedule: document.schedule ?? SERVICE_DEFAULTS.schedule,
    pollOnStart: document.pollOnStart ?? SERVICE_DEFAULTS.pollOnStart,
    concurrency: document.concurrency ?? SERVICE_DEFAULTS.concurrency,
    unreachableAfter: document.unreachableAfter ?? SERVICE_DEFAULTS.unreachableAfter,
    health: health === false ? null : parseHostPort(health),
  };
}

/** Splits `host:port` or `[v6]:port`; the schema already checked the shape. */
export function parseHostPort(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(text.slice(colon + 1)) };
}

/** Resolves a secret file path against the config file's folder. */
export function resolveFile(folder: string, file: string | undefined): string | undefined {
  if (file === undefined) {
    return undefined;
  }
  return isAbsolute(file) ? file : resolve(folder, file);
}
