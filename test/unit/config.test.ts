import { expect } from 'chai';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ConfigError, loadConfig } from '../../src/config/index.js';
import { VdriftError } from '../../src/model/vdrift-error.js';
import { tempDir } from '../setup.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/config/', import.meta.url));
const ENV = { VDRIFT_VC_PROD_PASSWORD: 'prod-password', VDRIFT_VC_LAB_PASSWORD: 'lab-password' };

/** Copies config fixtures into a fresh folder with mode 0600 and returns the folder. */
function fixtureFolder(...names: string[]): string {
  const dir = tempDir('config');
  for (const name of names) {
    copyFileSync(join(FIXTURES, name), join(dir, name));
    chmodSync(join(dir, name), 0o600);
  }
  return dir;
}

function minimalVcenter(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'vc-lab',
    url: 'https://vcenter-lab.example.com/sdk',
    username: 'svc-vdrift@vsphere.local',
    passwordEnv: 'VDRIFT_VC_LAB_PASSWORD',
    ...overrides,
  };
}

/** Writes a config document with mode 0600 into a fresh folder and returns its path. */
function writeConfig(document: unknown): string {
  const file = join(tempDir('config'), 'config.json');
  writeFileSync(file, JSON.stringify(document, null, 2), { mode: 0o600 });
  return file;
}

/** Loads a config that must fail and returns the ConfigError. */
async function loadError(file: string, env: NodeJS.ProcessEnv = ENV): Promise<ConfigError> {
  try {
    await loadConfig(file, { env });
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected loadConfig(${file}) to fail`);
}

async function issuesOf(document: unknown): Promise<string[]> {
  return (await loadError(writeConfig(document))).issues;
}

describe('loadConfig', () => {
  describe('when the file is valid', () => {
    it('resolves paths against its folder', async () => {
      const dir = fixtureFolder('valid.json', 'ca.pem', 'vc-lab.password');
      const { config } = await loadConfig(join(dir, 'valid.json'), { env: ENV });
      expect(config.file).to.equal(join(dir, 'valid.json'));
      expect(config.database).to.equal(join(dir, 'data', 'vdrift.db'));
      expect(config.baselines).to.equal(join(dir, 'baselines'));
      expect(config.vcenters[0]?.tls.caFile).to.equal(join(dir, 'ca.pem'));
      expect(config.vcenters[1]?.passwordFile).to.equal(join(dir, 'vc-lab.password'));
    });

    it('keeps values that are set', async () => {
      const dir = fixtureFolder('valid.json', 'ca.pem', 'vc-lab.password');
      const { config } = await loadConfig(join(dir, 'valid.json'), { env: ENV });
      expect(config.log.level).to.equal('debug');
      expect(config.vcenters[0]?.maxObjects).to.equal(200);
      expect(config.vcenters[0]?.timeoutSeconds).to.equal(30);
      expect(config.vcenters[0]?.passwordEnv).to.equal('VDRIFT_VC_PROD_PASSWORD');
    });

    it('applies defaults', async () => {
      const { config } = await loadConfig(writeConfig({ vcenters: [minimalVcenter()] }), { env: ENV });
      const vcenter = config.vcenters[0];
      expect(config.log.level).to.equal('info');
      expect(config.database).to.match(/[/\\]vdrift\.db$/);
      expect(vcenter?.maxObjects).to.equal(500);
      expect(vcenter?.timeoutSeconds).to.equal(60);
      expect(vcenter?.tls).to.deep.equal({ caFile: null, insecure: false, thumbprintSha256: null });
      expect(vcenter?.passwordFile).to.equal(null);
    });

    it('reads the password variable', async () => {
      const { config } = await loadConfig(writeConfig({ vcenters: [minimalVcenter()] }), { env: ENV });
      expect(config.vcenters[0]?.password.reveal()).to.equal('lab-password');
    });

    it('trims the password file newline', async () => {
      const dir = fixtureFolder('valid.json', 'ca.pem', 'vc-lab.password');
      const { config } = await loadConfig(join(dir, 'valid.json'), { env: ENV });
      expect(config.vcenters[1]?.password.reveal()).to.equal('lab-password');
    });

    it('trims only one newline', async () => {
      const dir = tempDir('config');
      writeFileSync(join(dir, 'pw'), 'secret\r\n\r\n', { mode: 0o600 });
      const file = join(dir, 'config.json');
      const vcenter = minimalVcenter({ passwordEnv: undefined, passwordFile: 'pw' });
      writeFileSync(file, JSON.stringify({ vcenters: [vcenter] }), { mode: 0o600 });
      const { config } = await loadConfig(file, { env: ENV });
      expect(config.vcenters[0]?.password.reveal()).to.equal('secret\r\n');
    });

    it('appends /sdk to a URL without path', async () => {
      const dir = fixtureFolder('valid.json', 'ca.pem', 'vc-lab.password');
      const { config } = await loadConfig(join(dir, 'valid.json'), { env: ENV });
      expect(config.vcenters[1]?.url).to.equal('https://vcenter-lab.example.com/sdk');
    });

    it('keeps an explicit URL path', async () => {
      const vcenter = minimalVcenter({ url: 'https://vc.example.com:8443/custom/sdk' });
      const { config } = await loadConfig(writeConfig({ vcenters: [vcenter] }), { env: ENV });
      expect(config.vcenters[0]?.url).to.equal('https://vc.example.com:8443/custom/sdk');
    });

    it('normalizes the thumbprint', async () => {
      const dir = fixtureFolder('valid.json', 'ca.pem', 'vc-lab.password');
      const { config } = await loadConfig(join(dir, 'valid.json'), { env: ENV });
      expect(config.vcenters[1]?.tls.thumbprintSha256).to.equal(
        '3F:8A:1C:55:0B:9E:27:D4:6A:E1:90:7C:42:BB:13:F8:5D:06:C9:7E:A2:31:88:4F:DE:60:19:B7:25:CA:73:0E',
      );
    });

    it('accepts a $schema key', async () => {
      const document = { $schema: './schemas/config.schema.json', vcenters: [minimalVcenter()] };
      const { config } = await loadConfig(writeConfig(document), { env: ENV });
      expect(config.vcenters).to.have.length(1);
    });

    it('returns no warnings for private files', async () => {
      const dir = fixtureFolder('valid.json', 'ca.pem', 'vc-lab.password');
      const { warnings } = await loadConfig(join(dir, 'valid.json'), { env: ENV });
      expect(warnings).to.deep.equal([]);
    });
  });

  describe('when keys are wrong', () => {
    it('suggests the nearest key', async () => {
      const dir = fixtureFolder('unknown-key.json');
      const error = await loadError(join(dir, 'unknown-key.json'));
      expect(error.issues).to.include('vcenters[0].passwordenv: unknown key; did you mean "passwordEnv"?');
    });

    it('suggests a top-level key', async () => {
      const issues = await issuesOf({ databse: './x.db', vcenters: [minimalVcenter()] });
      expect(issues).to.deep.equal(['databse: unknown key; did you mean "database"?']);
    });

    it('lists valid keys without suggestion', async () => {
      const issues = await issuesOf({ log: { colour: true }, vcenters: [minimalVcenter()] });
      expect(issues).to.deep.equal(['log.colour: unknown key; valid keys are level']);
    });

    it('suggests keys inside tls', async () => {
      const issues = await issuesOf({ vcenters: [minimalVcenter({ tls: { cafile: '/x.pem' } })] });
      expect(issues).to.deep.equal(['vcenters[0].tls.cafile: unknown key; did you mean "caFile"?']);
    });

    it('requires vcenters', async () => {
      expect(await issuesOf({})).to.deep.equal(['vcenters: missing required key']);
    });

    it('rejects an empty vcenters list', async () => {
      expect(await issuesOf({ vcenters: [] })).to.deep.equal(['vcenters: must not be empty']);
    });

    it('rejects a non-object document', async () => {
      expect(await issuesOf([1])).to.deep.equal(['must be an object, not an array']);
    });

    it('rejects both password keys', async () => {
      const issues = await issuesOf({ vcenters: [minimalVcenter({ passwordFile: 'pw' })] });
      expect(issues).to.deep.equal(['vcenters[0]: must set exactly one of passwordEnv and passwordFile']);
    });

    it('rejects no password key', async () => {
      const issues = await issuesOf({ vcenters: [minimalVcenter({ passwordEnv: undefined })] });
      expect(issues).to.deep.equal(['vcenters[0]: must set exactly one of passwordEnv and passwordFile']);
    });

    it('rejects an unknown log level', async () => {
      const issues = await issuesOf({ log: { level: 'verbose' }, vcenters: [minimalVcenter()] });
      expect(issues).to.deep.equal(['log.level: must be one of "error", "warn", "info", "debug", not "verbose"']);
    });

    const limits: [string, unknown, string][] = [
      ['maxObjects', 0, 'must be at least 1, not 0'],
      ['maxObjects', 10001, 'must be at most 10000, not 10001'],
      ['maxObjects', 1.5, 'must be an integer, not a number'],
      ['timeoutSeconds', 0.5, 'must be at least 1, not 0.5'],
      ['timeoutSeconds', 3601, 'must be at most 3600, not 3601'],
      ['timeoutSeconds', '60', 'must be a number, not a string'],
    ];
    for (const [key, value, message] of limits) {
      it(`rejects ${key} ${JSON.stringify(value)}`, async () => {
        const issues = await issuesOf({ vcenters: [minimalVcenter({ [key]: value })] });
        expect(issues).to.deep.equal([`vcenters[0].${key}: ${message}`]);
      });
    }

    it('accepts a fractional timeout', async () => {
      const vcenter = minimalVcenter({ timeoutSeconds: 2.5 });
      const { config } = await loadConfig(writeConfig({ vcenters: [vcenter] }), { env: ENV });
      expect(config.vcenters[0]?.timeoutSeconds).to.equal(2.5);
    });

    it('rejects an invalid name', async () => {
      const issues = await issuesOf({ vcenters: [minimalVcenter({ name: 'vc lab' })] });
      expect(issues).to.have.length(1);
      expect(issues[0]).to.match(/^vcenters\[0\]\.name: "vc lab" is invalid: must start with a letter or digit/);
    });

    it('rejects a duplicate name', async () => {
      const second = minimalVcenter({ url: 'https://other.example.com/sdk' });
      const issues = await issuesOf({ vcenters: [minimalVcenter(), second] });
      expect(issues).to.deep.equal(['vcenters[1].name: "vc-lab" is already used by vcenters[0]']);
    });

    it('rejects a short thumbprint', async () => {
      const issues = await issuesOf({ vcenters: [minimalVcenter({ tls: { thumbprintSha256: 'AB:CD' } })] });
      expect(issues).to.have.length(1);
      expect(issues[0]).to.match(/^vcenters\[0\]\.tls\.thumbprintSha256: "AB:CD" is invalid: must be a SHA-256 fingerprint/);
    });

    const badUrls: [string, RegExp][] = [
      ['vcenter.example.com', /is not a full URL; write one such as https:\/\/vcenter\.example\.com\/sdk/],
      ['ftp://vcenter.example.com/sdk', /must use https or http/],
      ['https://admin:pw@vcenter.example.com/sdk', /must not contain a user name or password/],
      ['https://vcenter.example.com/sdk?x=1', /must not have a query or fragment/],
    ];
    for (const [url, pattern] of badUrls) {
      it(`rejects URL ${url}`, async () => {
        const issues = await issuesOf({ vcenters: [minimalVcenter({ url })] });
        expect(issues).to.have.length(1);
        expect(issues[0]).to.match(/^vcenters\[0\]\.url: /);
        expect(issues[0]).to.match(pattern);
      });
    }

    it('keeps URL credentials out of messages', async () => {
      const issues = await issuesOf({ vcenters: [minimalVcenter({ url: 'https://admin:pw@vcenter.example.com/sdk' })] });
      expect(issues.join('\n')).not.to.include(':pw@');
    });

    it('lists every problem at once', async () => {
      const issues = await issuesOf({ databse: 1, vcenters: [minimalVcenter({ maxObjects: 0, tls: { insecure: 'yes' } })] });
      expect(issues).to.have.length(3);
    });
  });

  describe('when files are missing or broken', () => {
    it('names the missing config path', async () => {
      const file = join(tempDir('config'), 'absent.json');
      const error = await loadError(file);
      expect(error.file).to.equal(file);
      expect(error.message).to.include(file);
      expect(error.message).to.include('not found');
    });

    it('points to --config and VDRIFT_CONFIG', async () => {
      const error = await loadError(join(tempDir('config'), 'absent.json'));
      expect(error.message).to.include('--config');
      expect(error.message).to.include('VDRIFT_CONFIG');
    });

    it('names line and column of bad JSON', async () => {
      const dir = fixtureFolder('malformed.json');
      const error = await loadError(join(dir, 'malformed.json'));
      expect(error.message).to.equal(
        `${join(dir, 'malformed.json')}: invalid JSON at line 6, column 5: expected a double-quoted property name`,
      );
    });

    it('rejects duplicate keys', async () => {
      const file = join(tempDir('config'), 'config.json');
      const text = '{"log": {"level": "info", "level": "debug"}, "vcenters": []}';
      writeFileSync(file, text, { mode: 0o600 });
      const error = await loadError(file);
      expect(error.issues[0]).to.match(/^log\.level: duplicate key/);
    });

    it('names a missing variable', async () => {
      const error = await loadError(writeConfig({ vcenters: [minimalVcenter()] }), {});
      expect(error.issues).to.deep.equal([
        'vcenters[0].passwordEnv: environment variable VDRIFT_VC_LAB_PASSWORD for vCenter "vc-lab" is not set',
      ]);
    });

    it('rejects an empty variable', async () => {
      const error = await loadError(writeConfig({ vcenters: [minimalVcenter()] }), { VDRIFT_VC_LAB_PASSWORD: '' });
      expect(error.issues[0]).to.match(/VDRIFT_VC_LAB_PASSWORD for vCenter "vc-lab" is empty$/);
    });

    it('names a missing password file', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter({ passwordEnv: undefined, passwordFile: 'absent.pw' })] });
      const error = await loadError(file);
      const passwordFile = join(file, '..', 'absent.pw');
      expect(error.issues).to.deep.equal([
        `vcenters[0].passwordFile: failed to read password file ${passwordFile} for vCenter "vc-lab": not found`,
      ]);
    });

    it('rejects an empty password file', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter({ passwordEnv: undefined, passwordFile: 'empty.pw' })] });
      writeFileSync(join(file, '..', 'empty.pw'), '\n', { mode: 0o600 });
      const error = await loadError(file);
      expect(error.issues[0]).to.match(/^vcenters\[0\]\.passwordFile: password file .*empty\.pw for vCenter "vc-lab" is empty$/);
    });

    it('rejects a password folder', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter({ passwordEnv: undefined, passwordFile: 'sub' })] });
      mkdirSync(join(file, '..', 'sub'));
      const error = await loadError(file);
      expect(error.issues[0]).to.match(/is a folder, not a file$/);
    });

    it('rejects a missing CA file', async () => {
      const issues = await issuesOf({ vcenters: [minimalVcenter({ tls: { caFile: 'absent.pem' } })] });
      expect(issues).to.have.length(1);
      expect(issues[0]).to.match(/^vcenters\[0\]\.tls\.caFile: failed to read CA file .*absent\.pem: not found$/);
    });

    it('rejects a CA file without PEM', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter({ tls: { caFile: 'ca.pem' } })] });
      writeFileSync(join(file, '..', 'ca.pem'), 'not a certificate\n');
      const error = await loadError(file);
      expect(error.issues[0]).to.match(/contains no PEM certificate$/);
    });

    it('keeps the password out of errors', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter({ maxObjects: 0 }), minimalVcenter({ name: 'vc-b' })] });
      const error = await loadError(file);
      expect(error.message).not.to.include('lab-password');
    });
  });

  describe('when files are readable by others', () => {
    it('warns about the config file', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter()] });
      chmodSync(file, 0o644);
      const { warnings } = await loadConfig(file, { env: ENV });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include(file);
      expect(warnings[0]).to.include('mode 0644');
    });

    it('warns about the password file', async () => {
      const dir = fixtureFolder('valid.json', 'ca.pem', 'vc-lab.password');
      chmodSync(join(dir, 'vc-lab.password'), 0o640);
      const { warnings } = await loadConfig(join(dir, 'valid.json'), { env: ENV });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include('vcenters[1].passwordFile');
      expect(warnings[0]).to.include(join(dir, 'vc-lab.password'));
      expect(warnings[0]).not.to.include('lab-password\n');
    });
  });

  describe('when TLS is weakened', () => {
    it('warns about insecure without thumbprint', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter({ tls: { insecure: true } })] });
      const { warnings } = await loadConfig(file, { env: ENV });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include('vcenters[0].tls.insecure: certificate verification is off');
    });

    it('accepts insecure with thumbprint', async () => {
      const tls = { insecure: true, thumbprintSha256: 'ab'.repeat(32) };
      const { warnings } = await loadConfig(writeConfig({ vcenters: [minimalVcenter({ tls })] }), { env: ENV });
      expect(warnings).to.deep.equal([]);
    });

    it('warns about an overridden CA file', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter({ tls: { caFile: 'ca.pem', thumbprintSha256: 'ab'.repeat(32) } })] });
      copyFileSync(join(FIXTURES, 'ca.pem'), join(file, '..', 'ca.pem'));
      const { warnings } = await loadConfig(file, { env: ENV });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include('vcenters[0].tls.caFile: has no effect because tls.thumbprintSha256 pins');
    });

    it('warns about an unused CA file', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter({ tls: { caFile: 'ca.pem', insecure: true } })] });
      copyFileSync(join(FIXTURES, 'ca.pem'), join(file, '..', 'ca.pem'));
      const { warnings } = await loadConfig(file, { env: ENV });
      expect(warnings).to.have.length(2);
      expect(warnings[1]).to.include('vcenters[0].tls.caFile: has no effect while tls.insecure is true');
    });

    it('warns about plain http', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter({ url: 'http://vcsim.test:8989/sdk' })] });
      const { warnings } = await loadConfig(file, { env: ENV });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include('vcenters[0].url: uses http');
    });

    it('warns about a repeated URL', async () => {
      const file = writeConfig({ vcenters: [minimalVcenter(), minimalVcenter({ name: 'vc-b' })] });
      const { warnings } = await loadConfig(file, { env: ENV });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include('vcenters[1].url: same URL as vcenters[0]');
    });
  });
});

describe('ConfigError', () => {
  it('is a VdriftError', () => {
    expect(new ConfigError('/x/config.json', ['a: b'])).to.be.instanceOf(VdriftError);
  });

  it('starts with the file name', () => {
    expect(new ConfigError('/x/config.json', ['a: b']).message).to.equal('/x/config.json: a: b');
  });

  it('lists several issues', () => {
    const error = new ConfigError('/x/config.json', ['a: b', 'c: d']);
    expect(error.message).to.equal('/x/config.json: 2 problems\n  a: b\n  c: d');
    expect(error.name).to.equal('ConfigError');
  });
});
