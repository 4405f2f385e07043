// Notification channels and service settings as loadConfig returns them,
// secrets resolved. schemas/config.schema.json describes the file.
import type { Severity } from '../model/finding.js';
import type { Secret } from './secret.js';

export interface ChannelScope {
  vcenters?: string[];
  clusters?: string[];
}

interface ChannelBase {
  name: string;
  /** Lowest severity this channel receives. */
  minSeverity: Severity;
  scope: ChannelScope;
  /** Limit for one delivery attempt, in seconds. */
  timeoutSeconds: number;
}

export interface WebhookChannel extends ChannelBase {
  type: 'webhook';
  url: Secret;
  /** Key of the X-Vdrift-Signature HMAC-SHA256, or null for unsigned requests. */
  secret: Secret | null;
}

export interface SlackChannel extends ChannelBase {
  type: 'slack';
  url: Secret;
}

export interface TeamsChannel extends ChannelBase {
  type: 'teams';
  url: Secret;
}

export interface PagerDutyChannel extends ChannelBase {
  type: 'pagerduty';
  /** Events API v2 endpoint. */
  url: string;
  routingKey: Secret;
}

export interface SyslogChannel extends ChannelBase {
  type: 'syslog';
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  /** RFC 5424 facility name, for example `local0`. */
  facility: string;
  appName: string;
}

export type ChannelConfig = WebhookChannel | SlackChannel | TeamsChannel | PagerDutyChannel | SyslogChannel;

export interface NotificationSettings {
  channels: ChannelConfig[];
  /** A critical finding still open is notified again after this many minutes. */
  repeatCriticalAfterMinutes: number;
  /** Delivery attempts per message before it is kept as failed. */
  maxAttempts: number;
  /** Wait before the first retry of a failed delivery, in seconds; later retries wait longer. */
  retryBaseSeconds: number;
  /** Whether a host in vSphere maintenance mode holds its notifications like a window. */
  maintenanceMode: 'hold' | 'notify';
}

/** A maintenance window written in the config file. */
export interface WindowConfig {
  scope: { vcenters?: string[]; clusters?: string[]; hosts?: string[] };
  from: string;
  to: string;
  ticket: string;
  by: string;
  reason: string;
}

export interface ChangeSettings {
  probeFirewallService: boolean;
  probeTimeoutSeconds: number;
  /** Accounts allowed to change firewalls; null when the config names none. */
  authorizedAdmins: string[] | null;
  broadChange: { rulesetsPerHost: number; hosts: number };
  events: { enabled: boolean; watchSeconds: number; rereadDebounceSeconds: number; rereadRetrySeconds: number };
}

export interface ServiceSettings {
  /** Cron expression of the poll schedule (node-cron syntax, five or six fields). */
  schedule: string;
  pollOnStart: boolean;
  /** vCenters polled at the same time. */
  concurrency: number;
  /** Consecutive failed polls of a vCenter before vcenter-unreachable opens. */
  unreachableAfter: number;
  /** Address of the health and metrics listener, or null when it is off. */
  health: { host: string; port: number } | null;
}
