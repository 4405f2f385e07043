import { expect } from 'chai';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BaselineError, loadBaselines, parseBaselineDocument, validateBaselineFiles } from '../../src/config/index.js';
import type { LoadedBaseline } from '../../src/model/baseline.js';
import { VdriftError } from '../../src/model/vdrift-error.js';
import { tempDir } from '../setup.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/baselines/', import.meta.url));
const NOW = { now: new Date('2027-01-15T12:00:00Z') };

function fixture(path: string): string {
  return join(FIXTURES, path);
}

function readFixture(path: string): unknown {
  return JSON.parse(readFileSync(fixture(path), 'utf8'));
}

/** Validates one fixture file and returns its errors. */
function errorsOf(path: string): string[] {
  const [report] = validateBaselineFiles([fixture(path)], NOW);
  return report?.errors ?? [];
}

function loadError(dir: string): BaselineError {
  try {
    loadBaselines(dir, NOW);
  } catch (error) {
    if (error instanceof BaselineError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected loadBaselines(${dir}) to fail`);
}

function approvedDocument(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'test',
    version: 1,
    description: 'Test baseline.',
    approval: { by: 'jdoe', at: '2026-12-01', ticket: 'CHG-1' },
    ...overrides,
  };
}

/** Parses a document that must be valid and returns the loaded baseline. */
function parseValid(document: unknown): LoadedBaseline {
  const result = parseBaselineDocument(document, 'x.json', NOW);
  if (!result.loaded) {
    throw new Error(`expected a valid document: ${result.errors.join('; ')}`);
  }
  return result.loaded;
}

function withPolicy(allowedHosts: unknown): Record<string, unknown> {
  return approvedDocument({ rulesets: { sshServer: { allowedHosts } } });
}

describe('loadBaselines', () => {
  describe('when the folder is valid', () => {
    it('loads every file sorted', () => {
      const { baselines } = loadBaselines(fixture('valid'), NOW);
      expect(baselines.map((loaded) => loaded.baseline.id)).to.deep.equal(['esxi-hardened', 'lab-minimal']);
      expect(baselines[0]?.file).to.equal(join(fixture('valid'), 'esxi-hardened.json'));
    });

    it('returns no warnings', () => {
      expect(loadBaselines(fixture('valid'), NOW).warnings).to.deep.equal([]);
    });

    it('keeps the written values', () => {
      const baseline = loadBaselines(fixture('valid'), NOW).baselines[0]?.baseline;
      expect(baseline?.version).to.equal(1);
      expect(baseline?.approval).to.deep.equal({ by: 'jdoe', at: '2026-12-01', ticket: 'CHG-1234' });
      expect(baseline?.scope.hosts).to.deep.equal(['esx-*.prod.example.com']);
      expect(baseline?.rulesets.vSphereClient).to.deep.equal({ management: true, enabled: 'keep' });
      expect(baseline?.rulesetDefaults).to.deep.equal({ allowedHosts: { mode: 'restricted' } });
    });

    it('stores canonical networks', () => {
      const baseline = loadBaselines(fixture('valid'), NOW).baselines[0]?.baseline;
      expect(baseline?.rulesets.sshServer?.allowedHosts).to.deep.equal({
        mode: 'within',
        networks: ['10.0.0.0/8', '2001:db8::/32'],
      });
    });

    it('stores canonical addresses', () => {
      const baseline = loadBaselines(fixture('valid'), NOW).baselines[0]?.baseline;
      expect(baseline?.rulesets.syslog?.allowedHosts).to.deep.equal({
        mode: 'exact',
        ipAddress: ['192.0.2.10', '2001:db8::1'],
        ipNetwork: ['198.51.100.0/24'],
      });
    });

    it('applies defaults', () => {
      const baseline = loadBaselines(fixture('valid'), NOW).baselines[1]?.baseline;
      expect(baseline?.scope).to.deep.equal({});
      expect(baseline?.defaultPolicy).to.deep.equal({});
      expect(baseline?.rulesetDefaults).to.deep.equal({});
      expect(baseline?.unlistedRulesets).to.equal('ignore');
      expect(baseline?.rulesets).to.deep.equal({});
    });
  });

  describe('when the folder is unusable', () => {
    it('names a missing folder', () => {
      const dir = join(tempDir('baselines'), 'absent');
      const error = loadError(dir);
      expect(error.folder).to.equal(dir);
      expect(error.issues).to.deep.equal([`${dir}: failed to read baselines folder: not found`]);
    });

    it('rejects a folder without JSON files', () => {
      const dir = tempDir('baselines');
      writeFileSync(join(dir, 'README.md'), 'notes\n');
      mkdirSync(join(dir, 'nested.json'));
      expect(loadError(dir).issues).to.deep.equal([`${dir}: baselines folder contains no .json files`]);
    });

    it('skips hidden files and other files', () => {
      const dir = tempDir('baselines');
      copyFileSync(fixture('valid/minimal.json'), join(dir, 'minimal.json'));
      writeFileSync(join(dir, '.minimal.json.swp.json'), '{');
      writeFileSync(join(dir, 'notes.txt'), 'not JSON');
      expect(loadBaselines(dir, NOW).baselines).to.have.length(1);
    });
  });

  describe('when files share an id', () => {
    it('names both files', () => {
      const error = loadError(fixture('duplicate-id'));
      const [first, second] = [join(fixture('duplicate-id'), 'a.json'), join(fixture('duplicate-id'), 'b.json')];
      expect(error.issues).to.deep.equal([`${second}: id: id "esxi-shared" version 1 is also defined in ${first}`]);
    });

    it('rejects a second version file', () => {
      const error = loadError(fixture('same-id-new-version'));
      expect(error.issues).to.have.length(1);
      expect(error.issues[0]).to.include('is also used by');
      expect(error.issues[0]).to.include('(version 1); keep one file per baseline id');
    });
  });

  describe('when files are invalid', () => {
    it('lists problems of every file', () => {
      const error = loadError(fixture('invalid'));
      const files = new Set(error.issues.map((issue) => issue.split(': ')[0]));
      expect(files.size).to.equal(7);
      expect(error.message).to.match(/^invalid baselines in .*invalid: \d+ problems\n {2}/);
    });

    it('is a VdriftError', () => {
      expect(loadError(fixture('invalid'))).to.be.instanceOf(VdriftError);
    });
  });
});

describe('validateBaselineFiles', () => {
  it('reports a valid file cleanly', () => {
    const reports = validateBaselineFiles([fixture('valid/esxi-hardened.json')], NOW);
    expect(reports).to.deep.equal([{ file: fixture('valid/esxi-hardened.json'), errors: [], warnings: [] }]);
  });

  it('suggests a misspelled key', () => {
    const file = fixture('invalid/unknown-key.json');
    expect(errorsOf('invalid/unknown-key.json')).to.deep.equal([
      `${file}: rulesets.sshServer.managment: unknown key; did you mean "management"?`,
    ]);
  });

  it('rejects an invalid IPv4 network', () => {
    const file = fixture('invalid/bad-ipv4-network.json');
    expect(errorsOf('invalid/bad-ipv4-network.json')).to.deep.equal([
      `${file}: rulesets.sshServer.allowedHosts.networks[0]: "192.0.2.300/24" is not a valid IPv4 or IPv6 network`,
    ]);
  });

  it('rejects invalid IPv6 networks', () => {
    const file = fixture('invalid/bad-ipv6-network.json');
    const path = 'rulesets.sshServer.allowedHosts.networks';
    expect(errorsOf('invalid/bad-ipv6-network.json')).to.deep.equal([
      `${file}: ${path}[0]: "2001:db8::/129" is not a valid IPv4 or IPv6 network`,
      `${file}: ${path}[1]: "2001:db8:::/48" is not a valid IPv4 or IPv6 network`,
    ]);
  });

  it('suggests the network for host bits', () => {
    const file = fixture('invalid/host-bits.json');
    expect(errorsOf('invalid/host-bits.json')).to.deep.equal([
      `${file}: rulesetDefaults.allowedHosts.networks[0]: "10.0.0.1/8" has host bits set; did you mean "10.0.0.0/8"?`,
    ]);
  });

  it('rejects a missing approval field', () => {
    const file = fixture('invalid/missing-approval-field.json');
    expect(errorsOf('invalid/missing-approval-field.json')).to.deep.equal([
      `${file}: approval.ticket: missing required key`,
    ]);
  });

  it('rejects duplicate entries', () => {
    const file = fixture('invalid/duplicate-entries.json');
    const path = 'rulesets.syslog.allowedHosts';
    expect(errorsOf('invalid/duplicate-entries.json')).to.deep.equal([
      `${file}: ${path}.ipAddress[1]: "2001:DB8:0:0:0:0:0:1" is a duplicate of ipAddress[0]`,
      `${file}: ${path}.ipNetwork[1]: "198.51.100.0/24" is a duplicate of ipNetwork[0]`,
    ]);
  });

  it('names the line of bad JSON', () => {
    const file = fixture('invalid/malformed.json');
    expect(errorsOf('invalid/malformed.json')).to.deep.equal([
      `${file}: invalid JSON at line 5, column 3: expected ',' or '}' after the property value`,
    ]);
  });

  it('checks ids across the named files', () => {
    const reports = validateBaselineFiles([fixture('duplicate-id/a.json'), fixture('duplicate-id/b.json')], NOW);
    expect(reports[0]?.errors).to.deep.equal([]);
    expect(reports[1]?.errors).to.have.length(1);
  });

  it('reports an unreadable file', () => {
    const file = join(tempDir('baselines'), 'absent.json');
    expect(validateBaselineFiles([file], NOW)[0]?.errors).to.deep.equal([`${file}: failed to read baseline file: not found`]);
  });

  it('rejects duplicate keys', () => {
    const file = join(tempDir('baselines'), 'dup.json');
    const text = JSON.stringify(approvedDocument({ rulesets: { sshServer: { enabled: true } } }));
    writeFileSync(file, text.replace('"sshServer":{"enabled":true}', '"sshServer":{"enabled":true},"sshServer":{}'));
    expect(validateBaselineFiles([file], NOW)[0]?.errors).to.deep.equal([
      `${file}: rulesets.sshServer: duplicate key; JSON parsers keep only the last value, so remove one`,
    ]);
  });
});

describe('parseBaselineDocument', () => {
  describe('when checking the schema', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['an uppercase id', approvedDocument({ id: 'Esxi' }), 'id: "Esxi" is invalid: must start with a lowercase letter or digit'],
      ['version 0', approvedDocument({ version: 0 }), 'version: must be at least 1, not 0'],
      ['a string version', approvedDocument({ version: '1' }), 'version: must be an integer, not a string'],
      ['an empty approver', approvedDocument({ approval: { by: '', at: '2026-12-01', ticket: 'CHG-1' } }), 'approval.by: must not be empty'],
      ['a US date', approvedDocument({ approval: { by: 'a', at: '12/01/2026', ticket: 'CHG-1' } }), 'approval.at: "12/01/2026" is invalid: must be an ISO 8601 date'],
      ['an unknown mode', withPolicy({ mode: 'some' }), 'rulesets.sshServer.allowedHosts.mode: must be one of "any", "restricted", "within", "exact", not "some"'],
      ['a missing mode', withPolicy({}), 'rulesets.sshServer.allowedHosts.mode: missing required key'],
      ['within without networks', withPolicy({ mode: 'within' }), 'rulesets.sshServer.allowedHosts.networks: missing required key'],
      ['within with no networks', withPolicy({ mode: 'within', networks: [] }), 'rulesets.sshServer.allowedHosts.networks: must not be empty'],
      ['exact without ipNetwork', withPolicy({ mode: 'exact', ipAddress: [] }), 'rulesets.sshServer.allowedHosts.ipNetwork: missing required key'],
      ['networks with mode any', withPolicy({ mode: 'any', networks: ['10.0.0.0/8'] }), 'rulesets.sshServer.allowedHosts.networks: unknown key; valid keys are mode'],
      ['enabled "yes"', approvedDocument({ rulesets: { gdbserver: { enabled: 'yes' } } }), 'rulesets.gdbserver.enabled: must be one of true, false, "keep", not "yes"'],
      ['a bad ruleset key', approvedDocument({ rulesets: { 'ssh server': {} } }), 'rulesets["ssh server"]: invalid key: a ruleset key starts with a letter or digit'],
      ['an unknown top-level key', approvedDocument({ unlisted: 'report' }), 'unlisted: unknown key; did you mean "unlistedRulesets"?'],
      ['unlistedRulesets "warn"', approvedDocument({ unlistedRulesets: 'warn' }), 'unlistedRulesets: must be one of "ignore", "report", not "warn"'],
      ['a repeated host pattern', approvedDocument({ scope: { hosts: ['esx-*', 'esx-*'] } }), 'scope.hosts[1]: "esx-*" is a duplicate of hosts[0]'],
      ['a bad host pattern', approvedDocument({ scope: { hosts: ['esx 1'] } }), 'scope.hosts[0]: "esx 1" is invalid: must be a host name pattern'],
      ['an empty scope list', approvedDocument({ scope: { clusters: [] } }), 'scope.clusters: must not be empty'],
      ['an unknown scope key', approvedDocument({ scope: { tags: ['prod'] } }), 'scope.tags: unknown key; valid keys are vcenters, clusters, hosts'],
    ];
    for (const [name, document, expected] of cases) {
      it(`rejects ${name}`, () => {
        const { loaded, errors } = parseBaselineDocument(document, 'x.json', NOW);
        expect(loaded).to.equal(null);
        expect(errors).to.have.length(1);
        expect(errors[0]?.startsWith(`x.json: ${expected}`), errors[0]).to.equal(true);
      });
    }
  });

  it('suggests a misspelled policy key', () => {
    const { errors } = parseBaselineDocument(withPolicy({ mode: 'within', network: ['10.0.0.0/8'] }), 'x.json', NOW);
    expect(errors).to.deep.equal([
      'x.json: rulesets.sshServer.allowedHosts.networks: missing required key',
      'x.json: rulesets.sshServer.allowedHosts.network: unknown key; did you mean "networks"?',
    ]);
  });

  describe('when checking addresses', () => {
    it('accepts IPv6 networks', () => {
      const loaded = parseValid(withPolicy({ mode: 'within', networks: ['2001:DB8::/32', 'fd00::/8', '::/0'] }));
      expect(loaded.baseline.rulesets.sshServer?.allowedHosts).to.deep.equal({
        mode: 'within',
        networks: ['2001:db8::/32', 'fd00::/8', '::/0'],
      });
    });

    it('writes a plain address as /32', () => {
      const loaded = parseValid(withPolicy({ mode: 'exact', ipAddress: [], ipNetwork: ['192.0.2.7'] }));
      expect(loaded.baseline.rulesets.sshServer?.allowedHosts).to.deep.equal({
        mode: 'exact',
        ipAddress: [],
        ipNetwork: ['192.0.2.7/32'],
      });
    });

    it('rejects a network as address', () => {
      const { errors } = parseBaselineDocument(withPolicy({ mode: 'exact', ipAddress: ['10.0.0.0/8'], ipNetwork: [] }), 'x.json', NOW);
      expect(errors).to.deep.equal([
        'x.json: rulesets.sshServer.allowedHosts.ipAddress[0]: "10.0.0.0/8" is not a valid IPv4 or IPv6 address; a network belongs in ipNetwork',
      ]);
    });

    it('rejects an address with leading zeros', () => {
      const { errors } = parseBaselineDocument(withPolicy({ mode: 'exact', ipAddress: ['010.0.0.1'], ipNetwork: [] }), 'x.json', NOW);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include('"010.0.0.1" is not a valid IPv4 or IPv6 address');
    });

    it('suggests the IPv6 network for host bits', () => {
      const { errors } = parseBaselineDocument(withPolicy({ mode: 'within', networks: ['2001:db8::1/32'] }), 'x.json', NOW);
      expect(errors).to.deep.equal([
        'x.json: rulesets.sshServer.allowedHosts.networks[0]: "2001:db8::1/32" has host bits set; did you mean "2001:db8::/32"?',
      ]);
    });

    it('warns about a nested network', () => {
      const { loaded, warnings } = parseBaselineDocument(withPolicy({ mode: 'within', networks: ['10.0.0.0/8', '10.1.0.0/16'] }), 'x.json', NOW);
      expect(loaded).not.to.equal(null);
      expect(warnings).to.deep.equal([
        'x.json: rulesets.sshServer.allowedHosts.networks[1]: 10.1.0.0/16 lies inside networks[0] (10.0.0.0/8) and adds nothing',
      ]);
    });

    it('reports every bad entry', () => {
      const policy = { mode: 'exact', ipAddress: ['1.2.3', '::1', '::1'], ipNetwork: ['10.0.0.0/33', '10.0.0.1/8'] };
      const { errors } = parseBaselineDocument(withPolicy(policy), 'x.json', NOW);
      expect(errors).to.have.length(4);
    });
  });

  describe('when checking the approval date', () => {
    const approval = (at: string) => approvedDocument({ approval: { by: 'jdoe', at, ticket: 'CHG-1' } });

    for (const at of ['2026-02-29', '2026-13-01', '2026-12-01T24:00:00Z', '2026-12-01T10:60Z', '2026-12-01T10:00+25:00']) {
      it(`rejects ${at}`, () => {
        const { errors } = parseBaselineDocument(approval(at), 'x.json', NOW);
        expect(errors).to.deep.equal([`x.json: approval.at: "${at}" is not a valid date or date-time`]);
      });
    }

    for (const at of ['2024-02-29', '2026-12-01T10:00Z', '2026-12-01T10:00:00.123+02:00']) {
      it(`accepts ${at}`, () => {
        const { errors, warnings } = parseBaselineDocument(approval(at), 'x.json', NOW);
        expect(errors).to.deep.equal([]);
        expect(warnings).to.deep.equal([]);
      });
    }

    it('rejects a date-time without zone', () => {
      const { errors } = parseBaselineDocument(approval('2026-12-01T10:00:00'), 'x.json', NOW);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include('a date-time with a time zone');
    });

    it('warns about a future date', () => {
      const { loaded, warnings } = parseBaselineDocument(approval('2027-02-01'), 'x.json', NOW);
      expect(loaded).not.to.equal(null);
      expect(warnings).to.deep.equal(['x.json: approval.at: 2027-02-01 is in the future; check the approval date']);
    });

    it('accepts today in any zone', () => {
      const { warnings } = parseBaselineDocument(approval('2027-01-16'), 'x.json', { now: new Date('2027-01-15T10:30:00Z') });
      expect(warnings).to.deep.equal([]);
    });

    it('warns about a future date-time', () => {
      const { warnings } = parseBaselineDocument(approval('2027-01-15T13:00:00Z'), 'x.json', NOW);
      expect(warnings).to.have.length(1);
    });
  });

  describe('when hashing', () => {
    it('ignores key order and whitespace', () => {
      const compact = parseValid(readFixture('hash/compact.json'));
      const reordered = parseValid(readFixture('hash/reordered.json'));
      expect(reordered.hash).to.equal(compact.hash);
    });

    it('changes with the content', () => {
      const compact = parseValid(readFixture('hash/compact.json'));
      const changed = parseValid(readFixture('hash/changed.json'));
      expect(changed.hash).not.to.equal(compact.hash);
    });

    it('hashes the document as written', () => {
      const plain = parseValid(approvedDocument());
      const withDefaults = parseValid(approvedDocument({ unlistedRulesets: 'ignore' }));
      expect(withDefaults.hash).not.to.equal(plain.hash);
    });

    it('hashes SHA-256 as hex', () => {
      expect(parseValid(approvedDocument()).hash).to.match(/^[0-9a-f]{64}$/);
    });
  });

  it('does not modify its input', () => {
    const document = withPolicy({ mode: 'within', networks: ['2001:DB8::/32'] });
    const before = JSON.stringify(document);
    parseValid(document);
    expect(JSON.stringify(document)).to.equal(before);
  });
});
