// Step two of loading a config: fill in defaults, resolve relative paths
// against the config file's folder and normalize values, on a document that
// already passed the JSON Schema.

import { dirname, resolve } from 'node:path';

import type { Config, LogLevel, VcenterConfig } from './config-types.js';
import type { NotificationSettings } from './notification-types.js';
import { SERVICE_DEFAULTS, applyChangeDefaults, applyServiceDefaults, type ChannelDocument, type ServiceDocument } from './service-config.js';

/** Defaults of optional keys, the same values that schemas/config.schema.json states. */
export const CONFIG_DEFAULTS = {
  database: './vdrift.db',
  baselines: './baselines',
  logLevel: 'info',
  maxObjects: 500,
  timeoutSeconds: 60,
  connectTimeoutSeconds: 10,
  maxResponseMegabytes: 256,
  insecure: false,
} as const;

/** The config file as written, after schema validation. */
export interface ConfigDocument extends ServiceDocument {
  database?: string;
  baselines?: string;
  log?: { level?: LogLevel };
  vcenters: VcenterDocument[];
}

export interface VcenterDocument {
  name: string;
  url: string;
  username: string;
  passwordEnv?: string;
  passwordFile?: string;
  tls?: { caFile?: string; insecure?: boolean; thumbprintSha256?: string };
  maxObjects?: number;
  timeoutSeconds?: number;
  connectTimeoutSeconds?: number;
  maxResponseMegabytes?: number;
}

/** A vCenter entry before its password is read. */
export type DraftVcenter = Omit<VcenterConfig, 'password'>;

/** Notification settings before channel secrets are read. */
export type DraftNotifications = Omit<NotificationSettings, 'channels'> & { channels: ChannelDocument[] };

/** A config before passwords and other secrets are read and semantic checks run. */
export type DraftConfig = Omit<Config, 'vcenters' | 'notifications'> & { vcenters: DraftVcenter[]; notifications: DraftNotifications };

/** Applies defaults and resolves paths against the folder of `file`, the absolute path of the config file. */
export function applyConfigDefaults(document: ConfigDocument, file: string): DraftConfig {
  const folder = dirname(file);
  return {
    file,
    database: resolve(folder, document.database ?? CONFIG_DEFAULTS.database),
    baselines: resolve(folder, document.baselines ?? CONFIG_DEFAULTS.baselines),
    log: { level: document.log?.level ?? CONFIG_DEFAULTS.logLevel },
    vcenters: document.vcenters.map((vcenter) => applyVcenterDefaults(vcenter, folder)),
    service: applyServiceDefaults(document),
    changes: applyChangeDefaults(document),
    notifications: {
      channels: document.notifications?.channels ?? [],
      repeatCriticalAfterMinutes: document.notifications?.repeatCriticalAfterMinutes ?? SERVICE_DEFAULTS.repeatCriticalAfterMinutes,
      maxAttempts: document.notifications?.maxAttempts ?? SERVICE_DEFAULTS.maxAttempts,
      retryBaseSeconds: document.notifications?.retryBaseSeconds ?? SERVICE_DEFAULTS.retryBaseSeconds,
      maintenanceMode: document.notifications?.maintenanceMode ?? SERVICE_DEFAULTS.maintenanceMode,
    },
    windows: document.windows ?? [],
  };
}

function applyVcenterDefaults(vcenter: VcenterDocument, folder: string): DraftVcenter {
  const tls = vcenter.tls ?? {};
  return {
    name: vcenter.name,
    url: normalizeUrl(vcenter.url),
    username: vcenter.username,
    passwordEnv: vcenter.passwordEnv ?? null,
    passwordFile: vcenter.passwordFile === undefined ? null : resolve(folder, vcenter.passwordFile),
    tls: {
      caFile: tls.caFile === undefined ? null : resolve(folder, tls.caFile),
      insecure: tls.insecure ?? CONFIG_DEFAULTS.insecure,
      thumbprintSha256: tls.thumbprintSha256 === undefined ? null : normalizeThumbprint(tls.thumbprintSha256),
    },
    maxObjects: vcenter.maxObjects ?? CONFIG_DEFAULTS.maxObjects,
    timeoutSeconds: vcenter.timeoutSeconds ?? CONFIG_DEFAULTS.timeoutSeconds,
    connectTimeoutSeconds: vcenter.connectTimeoutSeconds ?? CONFIG_DEFAULTS.connectTimeoutSeconds,
    maxResponseMegabytes: vcenter.maxResponseMegabytes ?? CONFIG_DEFAULTS.maxResponseMegabytes,
  };
}

/**
 * Returns the URL with path /sdk when it was written with an empty path or
 * "/", since the vSphere SOAP endpoint lives at /sdk. Text that is not a URL
 * is returned unchanged for the semantic checks to report.
 */
export function normalizeUrl(text: string): string {
  if (!URL.canParse(text)) {
    return text;
  }
  const url = new URL(text);
  if (url.pathname === '' || url.pathname === '/') {
    url.pathname = '/sdk';
  }
  return url.href;
}

/** Writes a SHA-256 fingerprint as uppercase hex bytes separated by colons. */
export function normalizeThumbprint(text: string): string {
  const hex = text.replace(/:/g, '').toUpperCase();
  return hex.match(/../g)?.join(':') ?? hex;
}
