// The configuration after loading, with defaults applied, paths absolute and
// passwords read. The JSON Schema in schemas/config.schema.json describes the
// file, and these types describe what loadConfig returns.

import type { ChangeSettings, NotificationSettings, ServiceSettings, WindowConfig } from './notification-types.js';
import type { Secret } from './secret.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Certificate verification settings of one vCenter. A thumbprint, when set, replaces caFile and insecure. */
export interface TlsConfig {
  /** Absolute path of a PEM file of CA certificates, or null for Node's built-in CA list. */
  caFile: string | null;
  /** Certificate verification off, unless a thumbprint pins the certificate. */
  insecure: boolean;
  /** SHA-256 fingerprint of the vCenter certificate as uppercase colon-separated hex, or null. */
  thumbprintSha256: string | null;
}

export interface VcenterConfig {
  name: string;
  /** URL of the SOAP endpoint. A URL written without a path gets /sdk. */
  url: string;
  username: string;
  password: Secret;
  /** Environment variable the password came from, or null when it came from a file. */
  passwordEnv: string | null;
  /** Absolute path of the file the password came from, or null when it came from the environment. */
  passwordFile: string | null;
  tls: TlsConfig;
  /** Maximum number of objects per RetrievePropertiesEx page. */
  maxObjects: number;
  /** Timeout of one request, from sending to the last byte of the response, in seconds. */
  timeoutSeconds: number;
  /** Timeout for opening a connection, TLS handshake included, in seconds. */
  connectTimeoutSeconds: number;
  /** Largest response body read, in MiB. */
  maxResponseMegabytes: number;
}

export interface Config {
  /** Absolute path of the config file. */
  file: string;
  /** Absolute path of the SQLite database. */
  database: string;
  /** Absolute path of the baselines folder. */
  baselines: string;
  log: { level: LogLevel };
  vcenters: VcenterConfig[];
  service: ServiceSettings;
  changes: ChangeSettings;
  notifications: NotificationSettings;
  /** Windows written in the config; windows added with `vdrift window add` live in the database. */
  windows: WindowConfig[];
}

/** A config with every secret replaced by `[secret]`, safe to print. */
export type MaskedConfig = Omit<Config, 'vcenters' | 'notifications'> & {
  vcenters: (Omit<VcenterConfig, 'password'> & { password: string })[];
  notifications: unknown;
};
