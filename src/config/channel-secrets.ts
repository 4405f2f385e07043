// Step three for notification channels: read each channel's URL, signing
// secret or routing key from where the config says, and apply the channel
// defaults. Messages name the channel and the key, never the value.
import { dirname } from 'node:path';
import type { ChannelConfig } from './notification-types.js';
import type { DraftConfig } from './config-defaults.js';
import { readSecretEnv, readSecretFile, type SecretOutcome } from './config-passwords.js';
import { formatIssue } from './issue-path.js';
import { Secret } from './secret.js';
import { SERVICE_DEFAULTS, resolveFile, type ChannelDocument } from './service-config.js';

export interface ChannelResult {
  channels: ChannelConfig[];
  errors: string[];
  warnings: string[];
}

interface SecretSource {
  inline?: string | undefined;
  env?: string | undefined;
  file?: string | undefined;
  /** The key prefix in the config, for example `url` for url/urlEnv/urlFile. */
  key: string;
  kind: string;
}

/** Reads every channel's secrets; with `readSecrets` false they become unread placeholders. */
export async function resolveChannels(config: DraftConfig, env: NodeJS.ProcessEnv, readSecrets: boolean): Promise<ChannelResult> {
  const result: ChannelResult = { channels: [], errors: [], warnings: [] };
  const folder = dirname(config.file);
  for (const [index, document] of config.notifications.channels.entries()) {
    const read = async (source: SecretSource): Promise<Secret | null> => {
      if (!readSecrets) {
        return Secret.unread();
      }
      const outcome = await readSource(source, folder, env, `for channel ${JSON.stringify(document.name)}`);
      const path = ['notifications', 'channels', index, source.env !== undefined ? `${source.key}Env` : `${source.key}File`];
      if (outcome.error) {
        result.errors.push(formatIssue(path, outcome.error));
      }
      if (outcome.warning) {
        result.warnings.push(formatIssue(path, outcome.warning));
      }
      return outcome.password;
    };
    const channel = await buildChannel(document, read);
    if (channel) {
      result.channels.push(channel);
    }
  }
  return result;
}

async function readSource(source: SecretSource, folder: string, env: NodeJS.ProcessEnv, owner: string): Promise<SecretOutcome> {
  if (source.inline !== undefined) {
    return { password: new Secret(source.inline) };
  }
  if (source.env !== undefined) {
    return readSecretEnv(source.env, env, owner);
  }
  return readSecretFile(resolveFile(folder, source.file)!, source.kind, owner);
}

async function buildChannel(document: ChannelDocument, read: (source: SecretSource) => Promise<Secret | null>): Promise<ChannelConfig | null> {
  const base = {
    name: document.name,
    minSeverity: document.minSeverity ?? SERVICE_DEFAULTS.minSeverity,
    scope: document.scope ?? {},
    timeoutSeconds: document.timeoutSeconds ?? SERVICE_DEFAULTS.channelTimeoutSeconds,
  };
  const url = (): Promise<Secret | null> => read({ inline: document.url, env: document.urlEnv, file: document.urlFile, key: 'url', kind: 'URL file' });
  switch (document.type) {
    case 'webhook': {
      const endpoint = await url();
      const hasSecret = document.secretEnv !== undefined || document.secretFile !== undefined;
      const secret = hasSecret ? await read({ env: document.secretEnv, file: document.secretFile, key: 'secret', kind: 'secret file' }) : null;
      return endpoint && (secret || !hasSecret) ? { ...base, type: 'webhook', url: endpoint, secret } : null;
    }
    case 'slack':
    case 'teams': {
      const endpoint = await url();
      return endpoint ? { ...base, type: document.type, url: endpoint } : null;
    }
    case 'pagerduty': {
      const routingKey = await read({ env: document.routingKeyEnv, file: document.routingKeyFile, key: 'routingKey', kind: 'routing key file' });
      return routingKey ? { ...base, type: 'pagerduty', url: document.url ?? SERVICE_DEFAULTS.pagerdutyUrl, routingKey } : null;
    }
    case 'syslog':
      return {
        ...base,
        type: 'syslog',
        host: document.host!,
        port: document.port ?? SERVICE_DEFAULTS.syslogPort,
        protocol: document.protocol ?? SERVICE_DEFAULTS.syslogProtocol,
        facility: document.facility ?? SERVICE_DEFAULTS.syslogFacility,
        appName: document.appName ?? SERVICE_DEFAULTS.syslogAppName,
      };
  }
}
