import { expect } from 'chai';

import {
  canonicalAddress,
  canonicalCidr,
  cidrContains,
  formatCidr,
  hostBitsSet,
  networkOf,
  parseAddress,
  parseCidr,
  type Cidr,
} from '../../src/model/ip.js';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) {
    throw new Error(`test setup: ${text} is not a CIDR`);
  }
  return parsed;
}

describe('ip', () => {
  describe('parseAddress', () => {
    it('parses an IPv4 address', () => {
      const address = parseAddress('192.0.2.1');
      expect(address?.family).to.equal(4);
      expect(Array.from(address?.bytes ?? [])).to.deep.equal([192, 0, 2, 1]);
    });

    it('parses an IPv6 address', () => {
      const address = parseAddress('2001:db8::1');
      expect(address?.family).to.equal(6);
      expect(address?.bytes.length).to.equal(16);
      expect(address?.bytes[15]).to.equal(1);
    });

    it('parses an embedded IPv4 tail', () => {
      const address = parseAddress('::ffff:192.0.2.1');
      expect(address?.family).to.equal(6);
      expect(Array.from(address?.bytes.subarray(10) ?? [])).to.deep.equal([0xff, 0xff, 192, 0, 2, 1]);
    });

    const invalid = [
      '',
      '192.0.2.300',
      '1.2.3',
      '1.2.3.4.5',
      '010.0.0.1',
      '1.2.3.04',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1.2.3.-1',
      '0x1.2.3.4',
      '1::2::3',
      ':::',
      ':1::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7::8',
      '1::2:3:4:5:6:7:8',
      '12345::',
      'g::1',
      'fe80::1%eth0',
      '1.2.3.4::',
      '::1.2.3',
      '::256.1.1.1',
      '::1.2.3.4:5',
      '1:2:3:4:5:6:7:1.2.3.4',
      '1.2.3.4/24',
    ];
    for (const text of invalid) {
      it(`rejects ${JSON.stringify(text)}`, () => {
        expect(parseAddress(text)).to.equal(null);
      });
    }

    it('accepts one group compressed', () => {
      expect(canonicalAddress('1:2:3:4:5:6::8')).to.equal('1:2:3:4:5:6:0:8');
    });
  });

  describe('canonicalAddress', () => {
    const cases: [string, string][] = [
      ['192.0.2.1', '192.0.2.1'],
      ['0.0.0.0', '0.0.0.0'],
      ['255.255.255.255', '255.255.255.255'],
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0db8::0001', '2001:db8::1'],
      ['2001:DB8::ABCD', '2001:db8::abcd'],
      // RFC 5952 section 4.2.2: a single zero group is not compressed.
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:db8::1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      // RFC 5952 section 4.2.3: on a tie the first run is compressed.
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['0:0:1:0:0:0:0:0', '0:0:1::'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
      ['::ffff:c000:0201', '::ffff:192.0.2.1'],
      ['0:0:0:0:0:ffff:192.0.2.1', '::ffff:192.0.2.1'],
      ['::192.0.2.1', '::c000:201'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ];
    for (const [input, expected] of cases) {
      it(`writes ${input} as ${expected}`, () => {
        expect(canonicalAddress(input)).to.equal(expected);
      });
    }

    it('returns null for invalid text', () => {
      expect(canonicalAddress('192.0.2.300')).to.equal(null);
    });
  });

  describe('parseCidr', () => {
    it('reads the prefix length', () => {
      expect(parseCidr('10.0.0.0/8')?.prefixLength).to.equal(8);
    });

    it('treats an IPv4 address as /32', () => {
      expect(parseCidr('192.0.2.1')?.prefixLength).to.equal(32);
    });

    it('treats an IPv6 address as /128', () => {
      expect(parseCidr('2001:db8::1')?.prefixLength).to.equal(128);
    });

    it('accepts /0', () => {
      expect(parseCidr('0.0.0.0/0')?.prefixLength).to.equal(0);
      expect(parseCidr('::/0')?.prefixLength).to.equal(0);
    });

    const invalid = [
      '10.0.0.0/33',
      '2001:db8::/129',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/08',
      '10.0.0.0/8/8',
      '10.0.0.0/ 8',
      '/8',
      '192.0.2.300/24',
      '2001:db8::g/32',
      'fe80::/10%eth0',
    ];
    for (const text of invalid) {
      it(`rejects ${JSON.stringify(text)}`, () => {
        expect(parseCidr(text)).to.equal(null);
      });
    }
  });

  describe('formatCidr', () => {
    it('writes canonical IPv6 networks', () => {
      expect(formatCidr(cidr('2001:0DB8:0:0::/32'))).to.equal('2001:db8::/32');
    });

    it('keeps host bits', () => {
      expect(formatCidr(cidr('10.0.0.1/8'))).to.equal('10.0.0.1/8');
    });

    it('adds the host prefix length', () => {
      expect(canonicalCidr('192.0.2.1')).to.equal('192.0.2.1/32');
    });
  });

  describe('hostBitsSet', () => {
    const cases: [string, boolean][] = [
      ['10.0.0.0/8', false],
      ['10.0.0.1/8', true],
      ['10.128.0.0/9', false],
      ['10.128.0.0/8', true],
      ['192.0.2.1/32', false],
      ['0.0.0.0/0', false],
      ['1.0.0.0/0', true],
      ['2001:db8::/32', false],
      ['2001:db8::1/32', true],
      ['2001:db8:8000::/33', false],
      ['::1/128', false],
    ];
    for (const [text, expected] of cases) {
      it(`returns ${expected} for ${text}`, () => {
        expect(hostBitsSet(cidr(text))).to.equal(expected);
      });
    }
  });

  describe('networkOf', () => {
    it('clears IPv4 host bits', () => {
      expect(formatCidr(networkOf(cidr('10.1.2.3/8')))).to.equal('10.0.0.0/8');
    });

    it('clears bits inside a byte', () => {
      expect(formatCidr(networkOf(cidr('192.0.2.77/26')))).to.equal('192.0.2.64/26');
    });

    it('clears IPv6 host bits', () => {
      expect(formatCidr(networkOf(cidr('2001:db8:ffff::1/33')))).to.equal('2001:db8:8000::/33');
    });

    it('leaves the input unchanged', () => {
      const input = cidr('10.1.2.3/8');
      networkOf(input);
      expect(formatCidr(input)).to.equal('10.1.2.3/8');
    });
  });

  describe('cidrContains', () => {
    const cases: [string, string, boolean][] = [
      ['10.0.0.0/8', '10.1.2.3', true],
      ['10.0.0.0/8', '10.255.255.255/32', true],
      ['10.0.0.0/8', '10.0.0.0/8', true],
      ['10.0.0.0/8', '10.0.0.0/16', true],
      ['10.0.0.0/16', '10.0.0.0/8', false],
      ['10.0.0.0/8', '11.0.0.0', false],
      ['10.0.0.0/8', '9.255.255.255', false],
      ['192.0.2.64/26', '192.0.2.127', true],
      ['192.0.2.64/26', '192.0.2.128', false],
      ['0.0.0.0/0', '203.0.113.9', true],
      ['0.0.0.0/0', '::/0', false],
      ['::/0', '192.0.2.1', false],
      ['::/0', '::ffff:192.0.2.1', true],
      ['192.0.2.0/24', '::ffff:192.0.2.1', false],
      ['2001:db8::/32', '2001:db8:1::/48', true],
      ['2001:db8::/32', '2001:db9::1', false],
      ['2001:db8::/33', '2001:db8:8000::1', false],
      ['10.0.0.1/8', '10.200.0.0/16', true],
    ];
    for (const [outer, inner, expected] of cases) {
      it(`returns ${expected} for ${inner} in ${outer}`, () => {
        expect(cidrContains(cidr(outer), cidr(inner))).to.equal(expected);
      });
    }
  });
});
