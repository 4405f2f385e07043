// IPv4 and IPv6 addresses and networks: parsing, canonical text and
// containment. Pure functions with no dependencies, so that every layer can
// compare addresses the same way.
//
// An IPv4-mapped IPv6 address such as ::ffff:192.0.2.1 is an IPv6 value here.
// It never equals 192.0.2.1 or lies inside an IPv4 network, so a caller that
// wants to treat the two alike must convert one into the other first.

export type IpFamily = 4 | 6;

/** An address in network byte order: 4 bytes for IPv4, 16 for IPv6. */
export interface IpAddress {
  family: IpFamily;
  bytes: Uint8Array;
}

/** An address with a prefix length. The address may have host bits set. */
export interface Cidr extends IpAddress {
  prefixLength: number;
}

const IPV4_TEXT = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const PREFIX_TEXT = /^(0|[1-9]\d{0,2})$/;

/** Returns the number of bits in an address of the family. */
export function addressBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/**
 * Parses an IPv4 dotted quad or an IPv6 address (full, compressed, or with an
 * embedded IPv4 tail). Returns null for anything else, including zone ids.
 */
export function parseAddress(text: string): IpAddress | null {
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    return bytes ? { family: 6, bytes } : null;
  }
  const bytes = parseIpv4(text);
  return bytes ? { family: 4, bytes } : null;
}

// Rejects octets with leading zeros, because some parsers read 010 as octal 8
// and others as decimal 10.
function parseIpv4(text: string): Uint8Array | null {
  if (!IPV4_TEXT.test(text)) {
    return null;
  }
  const bytes = new Uint8Array(4);
  const octets = text.split('.');
  for (let i = 0; i < 4; i += 1) {
    const octet = octets[i] as string;
    const value = Number(octet);
    if (value > 255 || (octet.length > 1 && octet.startsWith('0'))) {
      return null;
    }
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) {
    return null;
  }

  const head = parseGroups(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string, true) : [];
  if (!head || !tail) {
    return null;
  }

  const groupCount = head.length + tail.length;
  // "::" stands for at least one zero group, so the written groups must leave room.
  if (halves.length === 1 ? groupCount !== 8 : groupCount > 7) {
    return null;
  }

  const groups = [...head, ...new Array<number>(8 - groupCount).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

// Parses colon-separated 16-bit groups. An IPv4 tail is allowed only when this
// part ends the address, and counts as two groups.
function parseGroups(text: string, endsAddress: boolean): number[] | null {
  if (text === '') {
    return [];
  }
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] as string;
    const isLast = i === parts.length - 1;
    if (isLast && endsAddress && part.includes('.')) {
      const ipv4 = parseIpv4(part);
      if (!ipv4) {
        return null;
      }
      groups.push(((ipv4[0] as number) << 8) | (ipv4[1] as number));
      groups.push(((ipv4[2] as number) << 8) | (ipv4[3] as number));
    } else if (HEX_GROUP.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return null;
    }
  }
  return groups;
}

/** Formats an address in canonical text: dotted decimal, or RFC 5952 for IPv6. */
export function formatAddress(address: IpAddress): string {
  return address.family === 4 ? Array.from(address.bytes).join('.') : formatIpv6(address.bytes);
}

/** Returns the canonical text of an address, or null when the text is not one. */
export function canonicalAddress(text: string): string | null {
  const address = parseAddress(text);
  return address ? formatAddress(address) : null;
}

// Follows RFC 5952 section 4: lowercase hex without leading zeros, and "::" for
// the longest run of two or more zero groups (the first run on a tie). Section 5
// asks for dotted decimal at the end of IPv4-mapped addresses.
function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  }

  if (isIpv4Mapped(groups)) {
    return `::ffff:${Array.from(bytes.subarray(12)).join('.')}`;
  }

  const run = longestZeroRun(groups);
  const hex = groups.map((group) => group.toString(16));
  if (run.length < 2) {
    return hex.join(':');
  }
  const head = hex.slice(0, run.start).join(':');
  const tail = hex.slice(run.start + run.length).join(':');
  return `${head}::${tail}`;
}

function isIpv4Mapped(groups: number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

function longestZeroRun(groups: number[]): { start: number; length: number } {
  let best = { start: 0, length: 0 };
  let start = -1;
  for (let i = 0; i <= groups.length; i += 1) {
    if (i < groups.length && groups[i] === 0) {
      start = start < 0 ? i : start;
      continue;
    }
    if (start >= 0 && i - start > best.length) {
      best = { start, length: i - start };
    }
    start = -1;
  }
  return best;
}

/**
 * Parses `address/prefixLength`, or a plain address meaning a single host
 * (/32 or /128). Returns null when the address or the prefix length is invalid.
 * The result may have host bits set, which hostBitsSet detects.
 */
export function parseCidr(text: string): Cidr | null {
  const parts = text.split('/');
  if (parts.length > 2) {
    return null;
  }

  const address = parseAddress(parts[0] as string);
  if (!address) {
    return null;
  }
  const bits = addressBits(address.family);
  if (parts.length === 1) {
    return { ...address, prefixLength: bits };
  }

  const prefixText = parts[1] as string;
  if (!PREFIX_TEXT.test(prefixText) || Number(prefixText) > bits) {
    return null;
  }
  return { ...address, prefixLength: Number(prefixText) };
}

/** Formats a network as canonical `address/prefixLength`, keeping any host bits. */
export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr)}/${cidr.prefixLength}`;
}

/** Returns the canonical text of a network, or null when the text is not one. */
export function canonicalCidr(text: string): string | null {
  const cidr = parseCidr(text);
  return cidr ? formatCidr(cidr) : null;
}

/** Returns whether any bit after the prefix is set, as in 10.0.0.1/8. */
export function hostBitsSet(cidr: Cidr): boolean {
  return cidr.bytes.some((byte, i) => (byte & ~prefixMask(cidr.prefixLength, i)) !== 0);
}

/** Returns the network with its host bits cleared: 10.0.0.1/8 gives 10.0.0.0/8. */
export function networkOf(cidr: Cidr): Cidr {
  const bytes = cidr.bytes.map((byte, i) => byte & prefixMask(cidr.prefixLength, i));
  return { family: cidr.family, bytes, prefixLength: cidr.prefixLength };
}

/**
 * Returns whether every address of `inner` lies inside `outer`. Both must be
 * of the same family, so an IPv4-mapped IPv6 network never lies inside an IPv4 one.
 */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefixLength > inner.prefixLength) {
    return false;
  }
  return outer.bytes.every((byte, i) => {
    const mask = prefixMask(outer.prefixLength, i);
    return (byte & mask) === ((inner.bytes[i] as number) & mask);
  });
}

// The mask of byte `index` for a prefix of `prefixLength` bits.
function prefixMask(prefixLength: number, index: number): number {
  const bitsInByte = Math.min(8, Math.max(0, prefixLength - 8 * index));
  return (0xff << (8 - bitsInByte)) & 0xff;
}
