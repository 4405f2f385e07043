import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { fingerprintOf } from '../../src/drift/fingerprint.js';

function expected(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

describe('fingerprintOf', () => {
  it('hashes the joined identity', () => {
    expect(fingerprintOf('management-ruleset-allow-all', 'vc1', 'host-1', 'sshServer')).to.equal(expected('management-ruleset-allow-all', 'vc1', 'host-1', 'sshServer'));
  });

  it('gives the same value when memoized', () => {
    const first = fingerprintOf('ruleset-added', 'vc1', 'host-2', 'dns');
    expect(fingerprintOf('ruleset-added', 'vc1', 'host-2', 'dns')).to.equal(first);
  });

  it('keeps parts in their places', () => {
    const one = fingerprintOf('ruleset-added', 'vc1', 'host-2', null);
    const other = fingerprintOf('ruleset-added', 'vc1', null, 'host-2');
    expect(one).to.not.equal(other);
    expect(other).to.equal(expected('ruleset-added', 'vc1', '', 'host-2'));
  });

  it('separates vCenters with the same moids', () => {
    expect(fingerprintOf('ruleset-added', 'vc1', 'host-2', 'dns')).to.not.equal(fingerprintOf('ruleset-added', 'vc2', 'host-2', 'dns'));
  });
});
