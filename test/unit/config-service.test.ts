import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { ConfigError, loadConfig, maskConfig } from '../../src/config/index.js';
import { tempDir } from '../setup.js';

const ENV = { VC_PASSWORD: 'vc-password', HOOK_URL: 'https://hooks.example.com/T000/B000/secret-path', HOOK_SECRET: 'signing-key', PD_KEY: 'pd-routing-key' };

function writeConfig(extra: Record<string, unknown>): string {
  const file = join(tempDir('config'), 'config.json');
  const document = {
    vcenters: [{ name: 'vc1', url: 'https://vc1.example.com/sdk', username: 'svc', passwordEnv: 'VC_PASSWORD' }],
    ...extra,
  };
  writeFileSync(file, JSON.stringify(document), { mode: 0o600 });
  return file;
}

async function issues(extra: Record<string, unknown>, env: NodeJS.ProcessEnv = ENV): Promise<string[]> {
  try {
    await loadConfig(writeConfig(extra), { env });
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('the config loaded, but it should have failed');
}

const CHANNELS = [
  { name: 'hook', type: 'webhook', urlEnv: 'HOOK_URL', secretEnv: 'HOOK_SECRET', minSeverity: 'high', scope: { clusters: ['Prod'] } },
  { name: 'chat', type: 'slack', url: 'https://hooks.example.com/slack' },
  { name: 'pd', type: 'pagerduty', routingKeyEnv: 'PD_KEY', url: 'http://127.0.0.1:1/v2/enqueue' },
  { name: 'siem', type: 'syslog', host: '127.0.0.1', protocol: 'tcp' },
];

describe('loadConfig service settings', () => {
  it('applies service defaults', async () => {
    const { config } = await loadConfig(writeConfig({}), { env: ENV });
    expect(config.service).to.deep.equal({ schedule: '*/15 * * * *', pollOnStart: true, concurrency: 4, unreachableAfter: 3, health: { host: '127.0.0.1', port: 9464 } });
    expect(config.notifications).to.deep.equal({ channels: [], repeatCriticalAfterMinutes: 240, maxAttempts: 10, retryBaseSeconds: 30, maintenanceMode: 'hold' });
    expect(config.windows).to.deep.equal([]);
  });

  it('turns the health listener off', async () => {
    const { config } = await loadConfig(writeConfig({ health: false }), { env: ENV });
    expect(config.service.health).to.equal(null);
  });

  it('rejects an invalid schedule', async () => {
    const found = await issues({ schedule: 'every fifteen minutes' });
    expect(found.join('\n')).to.contain('schedule: "every fifteen minutes" is not a valid cron expression');
  });

  it('rejects a window that ends first', async () => {
    const window = { scope: { hosts: ['esx1*'] }, from: '2026-12-05T22:00:00Z', to: '2026-12-05T21:00:00Z', ticket: 'CHG-1', by: 'jdoe', reason: 'patching' };
    expect(await issues({ windows: [window] })).to.deep.equal(['windows[0].to: must be later than from']);
  });

  it('requires a time zone in windows', async () => {
    const window = { scope: { hosts: ['esx1*'] }, from: '2026-12-05T22:00:00', to: '2026-12-06T02:00:00Z', ticket: 'CHG-1', by: 'jdoe', reason: 'patching' };
    expect((await issues({ windows: [window] }))[0]).to.contain('windows[0].from');
  });
});

describe('loadConfig notification channels', () => {
  it('resolves every channel kind', async () => {
    const { config } = await loadConfig(writeConfig({ notifications: { channels: CHANNELS } }), { env: ENV });
    const [hook, chat, pd, siem] = config.notifications.channels;
    expect(hook).to.include({ name: 'hook', type: 'webhook', minSeverity: 'high', timeoutSeconds: 10 });
    if (hook?.type !== 'webhook' || pd?.type !== 'pagerduty') {
      throw new Error('the channels did not keep their types');
    }
    expect(hook.url.reveal()).to.equal(ENV.HOOK_URL);
    expect(hook.secret?.reveal()).to.equal(ENV.HOOK_SECRET);
    expect(chat).to.include({ type: 'slack', minSeverity: 'medium' });
    expect(pd.routingKey.reveal()).to.equal(ENV.PD_KEY);
    expect(siem).to.deep.include({ type: 'syslog', host: '127.0.0.1', port: 514, protocol: 'tcp', facility: 'local0', appName: 'vdrift' });
  });

  it('names a missing secret variable', async () => {
    const found = await issues({ notifications: { channels: CHANNELS } }, { VC_PASSWORD: 'x', HOOK_URL: 'https://h.example.com/x', PD_KEY: 'k' });
    expect(found).to.deep.equal(['notifications.channels[0].secretEnv: environment variable HOOK_SECRET for channel "hook" is not set']);
  });

  it('suggests the type for a typo', async () => {
    const found = await issues({ notifications: { channels: [{ name: 'x', type: 'slak', url: 'https://h.example.com' }] } });
    expect(found.join('\n')).to.contain('notifications.channels[0].type');
  });

  it('requires one URL source', async () => {
    const found = await issues({ notifications: { channels: [{ name: 'x', type: 'teams' }] } });
    expect(found.join('\n')).to.contain('must set exactly one of url, urlEnv and urlFile');
  });

  it('rejects duplicate channel names', async () => {
    const found = await issues({ notifications: { channels: [CHANNELS[3], CHANNELS[3]] } });
    expect(found).to.deep.equal(['notifications.channels[1].name: "siem" is already the name of notifications.channels[0]']);
  });

  it('masks channel secrets', async () => {
    const { config } = await loadConfig(writeConfig({ notifications: { channels: CHANNELS } }), { env: ENV });
    const printed = `${JSON.stringify(maskConfig(config))} ${inspect(config, { depth: 10 })}`;
    for (const secret of Object.values(ENV)) {
      expect(printed).to.not.contain(secret);
    }
  });

  it('skips secrets when told not to read them', async () => {
    const { config } = await loadConfig(writeConfig({ notifications: { channels: CHANNELS } }), { env: {}, readPasswords: false });
    expect(config.notifications.channels).to.have.length(4);
  });
});
