import { expect } from 'chai';
import { inspect } from 'node:util';

import { maskConfig, Secret, type Config } from '../../src/config/index.js';

function sampleConfig(): Config {
  return {
    file: '/etc/vdrift/config.json',
    database: '/var/lib/vdrift/vdrift.db',
    baselines: '/etc/vdrift/baselines',
    log: { level: 'info' },
    vcenters: [
      {
        name: 'vc-lab',
        url: 'https://vcenter-lab.example.com/sdk',
        username: 'svc-vdrift@vsphere.local',
        password: new Secret('hunter2'),
        passwordEnv: 'VDRIFT_VC_LAB_PASSWORD',
        passwordFile: null,
        tls: { caFile: null, insecure: false, thumbprintSha256: null },
        maxObjects: 500,
        timeoutSeconds: 60,
        connectTimeoutSeconds: 10,
        maxResponseMegabytes: 256,
      },
    ],
    service: { schedule: '*/15 * * * *', pollOnStart: true, concurrency: 4, unreachableAfter: 3, health: null },
    changes: {
      probeFirewallService: true,
      probeTimeoutSeconds: 10,
      authorizedAdmins: null,
      broadChange: { rulesetsPerHost: 5, hosts: 5 },
      events: { enabled: true, watchSeconds: 10, rereadDebounceSeconds: 3, rereadRetrySeconds: 60 },
    },
    notifications: { channels: [], repeatCriticalAfterMinutes: 240, maxAttempts: 10, retryBaseSeconds: 30, maintenanceMode: 'hold' },
    windows: [],
  };
}

describe('Secret', () => {
  const secret = new Secret('hunter2');

  it('reveals the value', () => {
    expect(secret.reveal()).to.equal('hunter2');
  });

  it('masks toString', () => {
    expect(String(secret)).to.equal('[secret]');
  });

  it('masks template literals', () => {
    expect(`${secret}`).to.equal('[secret]');
  });

  it('masks JSON.stringify', () => {
    expect(JSON.stringify({ password: secret })).to.equal('{"password":"[secret]"}');
  });

  it('masks util.inspect', () => {
    expect(inspect({ password: secret }, { depth: 5, showHidden: true })).not.to.include('hunter2');
  });

  it('has no enumerable value', () => {
    expect(Object.values(secret)).to.deep.equal([]);
  });
});

describe('maskConfig', () => {
  it('masks every password', () => {
    const masked = maskConfig(sampleConfig());
    expect(masked.vcenters[0]?.password).to.equal('[secret]');
    expect(JSON.stringify(masked)).not.to.include('hunter2');
  });

  it('keeps other values', () => {
    const masked = maskConfig(sampleConfig());
    expect(masked.vcenters[0]?.passwordEnv).to.equal('VDRIFT_VC_LAB_PASSWORD');
    expect(masked.database).to.equal('/var/lib/vdrift/vdrift.db');
  });

  it('leaves the config unchanged', () => {
    const config = sampleConfig();
    const masked = maskConfig(config);
    masked.vcenters[0]!.tls.insecure = true;
    expect(config.vcenters[0]?.password.reveal()).to.equal('hunter2');
    expect(config.vcenters[0]?.tls.insecure).to.equal(false);
  });
});
