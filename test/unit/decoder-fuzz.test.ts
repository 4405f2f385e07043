// Mutation fuzzing of the SOAP decoder. Real response bodies are recorded
// once from a small simulator, through the fault proxy, while vdrift's own
// collectHosts polls it. Seeded mutations of them are then fed to
// StreamingDecoder, directly and through FragmentReader with a small cache,
// in random chunk sizes. Every case must finish or throw XmlDecodeError.
//
// Each case has its own seed, which fixes its choice of body, mutations and
// chunk sizes. A failing case prints its seed and writes its mutated body to
// a file, kept when VDRIFT_KEEP_TMP is set: the recorded bodies contain
// session and view ids that change from run to run, so the file has the
// exact bytes. VDRIFT_FUZZ_SEED changes the seed of the whole run, and
// VDRIFT_FUZZ_CASE runs the one case with that seed. Run mocha with
// --expose-gc for the tight memory bound.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { collectHosts } from '../../src/collect/collect.js';
import { VcenterSession } from '../../src/vsphere/session.js';
import { PROPERTY_VALUE, SERVICE_CONTENT, USER_SESSION, streamedRetrieveResult } from '../../src/vsphere/specs.js';
import { DEFAULT_LIMITS, StreamingDecoder, type DecoderLimits } from '../../src/vsphere/xml/decoder.js';
import { FragmentReader, type FragmentCache } from '../../src/vsphere/xml/fragment-reader.js';
import { arrayOf, object, type ObjectSpec, type Spec } from '../../src/vsphere/xml/spec.js';
import { XmlDecodeError } from '../../src/vsphere/xml/xml-error.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startSimulator } from '../helpers/vcsim.js';
import { tempDir } from '../setup.js';

const CASES = 3_000;
/** Mutations applied to one case: one to this many. */
const MAX_MUTATIONS = 3;
const DEFAULT_SEED = 0x5eed2026;
const MEBIBYTE = 1024 * 1024;

/** The transport's limits, with a body limit small enough for the huge-attribute mutation to cross it. */
const LIMITS: DecoderLimits = { ...DEFAULT_LIMITS, maxBytes: MEBIBYTE };

/** Heap growth allowed over the whole run, with and without a collection before each reading. */
const HEAP_GROWTH_LIMIT = { collected: 32 * MEBIBYTE, uncollected: 256 * MEBIBYTE };

/** The spec of `returnval` for each recorded method, as src/vsphere/client.ts passes it to the transport. */
const RETURN_SPECS: Record<string, Spec | null> = {
  RetrieveServiceContent: SERVICE_CONTENT,
  Login: USER_SESSION,
  CreateContainerView: 'moref',
  RetrievePropertiesEx: streamedRetrieveResult(),
  ContinueRetrievePropertiesEx: streamedRetrieveResult(),
  DestroyView: null,
  Logout: null,
};

/** Methods whose responses the transport reads through FragmentReader. */
const PAGED = new Set(['RetrievePropertiesEx', 'ContinueRetrievePropertiesEx']);

/** A copy of the transport's fault spec (src/vsphere/transport.ts), which it does not export. */
const FAULT_SPEC = object({
  faultcode: 'string',
  faultstring: 'string',
  detail: object({}, { other: object({}, { keepType: true }) }),
});

/** Builds the document spec that SoapTransport.decode builds for method. */
function documentSpec(method: string): ObjectSpec {
  return object({
    Envelope: object({
      Body: object({
        [`${method}Response`]: object({ returnval: RETURN_SPECS[method] ?? object({}) }),
        Fault: FAULT_SPEC,
      }),
    }),
  });
}

interface Recorded {
  method: string;
  body: Buffer;
}

/** mulberry32: a small seeded PRNG with 32 bits of state, returning numbers in [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Fuzzer {
  constructor(readonly random: () => number) {}

  /** Returns an integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

/** Markup that breaks or stresses XML when inserted at a random place. */
const TOKENS = [
  '<',
  '>',
  '&',
  ']]>',
  '<![CDATA[',
  '<!DOCTYPE soapenv:Envelope [<!ENTITY e "x">]>',
  '<!ENTITY e SYSTEM "file:///etc/passwd">',
  '<!--',
  '-->',
  '<?pi x?>',
  '&amp;',
  '&e;',
  '&#0;',
  '&#x110000;',
  '&#xD800;',
  '</',
  '/>',
  '"',
  "'",
  '=',
  ' xsi:type="',
  ' xsi:type="HostFirewallInfo"',
  ' xsi:type="constructor"',
  ' xsi:type="__proto__"',
  ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
  ' xmlns:v="http://www.w3.org/2001/XMLSchema-instance" v:type="xsd:int"',
  '<objects>',
  '</objects>',
  '<objects ',
  '<returnval>',
  '</returnval>',
  '<token>t</token>',
  '<__proto__>x</__proto__>',
  '<constructor/>',
  '<propSet><name>name</name><val xsi:type="xsd:int">99999999999999999999</val></propSet>',
  '<allIp>maybe</allIp>',
  '<port>-</port>',
];

/** Byte sequences that are not valid UTF-8. */
const INVALID_UTF8 = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0x00],
];

/** xsi:type values: known, scalar, unknown, and names that every JavaScript object inherits. */
const TYPE_NAMES = [
  'HostFirewallInfo',
  'ManagedObjectReference',
  'HostSystemConnectionState',
  'xsd:string',
  'xsd:int',
  'xsd:boolean',
  'xsd:dateTime',
  'ArrayOfString',
  'Mystery',
  'constructor',
  'toString',
  '__proto__',
  '',
];

/** Characters that keep text content well-formed: no "<" and no "&". */
const TEXT_ALPHABET = '0123456789+-. truefalsTRUEFALSxyz\t\n';

type Mutation = (input: Buffer, fuzz: Fuzzer) => Buffer;

function insertAt(input: Buffer, at: number, inserted: Buffer): Buffer {
  return Buffer.concat([input.subarray(0, at), inserted, input.subarray(at)]);
}

const MUTATIONS: Record<string, Mutation> = {
  flipBits(input, fuzz) {
    const out = Buffer.from(input);
    if (out.length > 0) {
      const at = fuzz.int(0, out.length - 1);
      out[at] = out[at]! ^ fuzz.int(1, 255);
    }
    return out;
  },
  insertBytes(input, fuzz) {
    const bytes = Buffer.from(Array.from({ length: fuzz.int(1, 8) }, () => fuzz.int(0, 255)));
    return insertAt(input, fuzz.int(0, input.length), bytes);
  },
  deleteRange(input, fuzz) {
    const start = fuzz.int(0, input.length);
    return Buffer.concat([input.subarray(0, start), input.subarray(start + fuzz.int(1, 64))]);
  },
  truncate(input, fuzz) {
    return input.subarray(0, fuzz.int(0, input.length));
  },
  duplicateRange(input, fuzz) {
    const start = fuzz.int(0, input.length);
    const range = input.subarray(start, start + fuzz.int(1, 2_000));
    return insertAt(input, fuzz.int(0, input.length), Buffer.from(range));
  },
  insertToken(input, fuzz) {
    return insertAt(input, fuzz.int(0, input.length), Buffer.from(fuzz.pick(TOKENS)));
  },
  deepTagRun(input, fuzz) {
    const depth = fuzz.int(10, 5_000);
    const closed = fuzz.random() < 0.5;
    const run = '<n>'.repeat(depth) + (closed ? '</n>'.repeat(depth) : '');
    return insertAt(input, fuzz.int(0, input.length), Buffer.from(run));
  },
  hugeAttribute(input, fuzz) {
    // Placed right after a start tag's name when one is found, so it is read as an attribute value.
    const tag = input.indexOf('<', fuzz.int(0, input.length));
    const at = tag === -1 ? fuzz.int(0, input.length) : tag + 2;
    const value = 'A'.repeat(fuzz.pick([1_000, 100_000, 2 * MEBIBYTE]));
    return insertAt(input, Math.min(at, input.length), Buffer.from(` huge="${value}"`));
  },
  editText(input, fuzz) {
    // Rewrites part of a text node, which keeps the body well-formed and reaches value parsing.
    const open = input.indexOf('>', fuzz.int(0, input.length));
    const close = open === -1 ? -1 : input.indexOf('<', open);
    if (close <= open + 1) {
      return input;
    }
    const start = fuzz.int(open + 1, close - 1);
    const end = fuzz.int(start, close);
    const text = Array.from({ length: fuzz.int(0, 24) }, () => fuzz.pick([...TEXT_ALPHABET])).join('');
    return Buffer.concat([input.subarray(0, start), Buffer.from(text), input.subarray(end)]);
  },
  changeType(input, fuzz) {
    const marker = 'xsi:type="';
    const at = input.indexOf(marker, fuzz.int(0, input.length));
    const valueStart = at === -1 ? -1 : at + marker.length;
    const valueEnd = valueStart === -1 ? -1 : input.indexOf('"', valueStart);
    if (valueEnd === -1) {
      return input;
    }
    return Buffer.concat([input.subarray(0, valueStart), Buffer.from(fuzz.pick(TYPE_NAMES)), input.subarray(valueEnd)]);
  },
  duplicateElement(input, fuzz) {
    // Copies an element from a start tag to the first end tag of its name, which is often all of it.
    const text = input.toString('latin1');
    const tag = /<([A-Za-z_][\w.:-]*)[\s>]/g;
    tag.lastIndex = fuzz.int(0, text.length);
    const start = tag.exec(text);
    if (!start) {
      return input;
    }
    const closing = `</${start[1]}>`;
    const end = text.indexOf(closing, start.index);
    if (end === -1) {
      return input;
    }
    const element = input.subarray(start.index, end + closing.length);
    return insertAt(input, end + closing.length, Buffer.from(element));
  },
  invalidUtf8(input, fuzz) {
    return insertAt(input, fuzz.int(0, input.length), Buffer.from(fuzz.pick(INVALID_UTF8)));
  },
};

const MUTATION_NAMES = Object.keys(MUTATIONS);

/** Splits body into chunks of random length: a third of them 1 to 16 bytes, the rest up to 16 KiB. */
function chunks(body: Buffer, fuzz: Fuzzer): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; ) {
    const length = fuzz.random() < 0.33 ? fuzz.int(1, 16) : fuzz.int(1, 16_384);
    parts.push(body.subarray(at, at + length));
    at += length;
  }
  return parts;
}

/** A fragment cache that keeps at most `capacity` keys and evicts the oldest first. */
class SmallCache implements FragmentCache {
  private readonly keys: string[] = [];
  reused = 0;

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.includes(key);
  }

  reuse(): void {
    this.reused += 1;
  }

  remember(key: string): void {
    if (this.keys.includes(key)) {
      return;
    }
    this.keys.push(key);
    if (this.keys.length > this.capacity) {
      this.keys.shift();
    }
  }
}

interface Decoded {
  root: Record<string, unknown>;
  items: [string, unknown][];
}

/** Throws as SoapTransport's feed does once the raw body exceeds LIMITS.maxBytes, before the bytes reach the sink. */
function checkBodySize(bytes: number): void {
  if (bytes > LIMITS.maxBytes) {
    throw new XmlDecodeError(`response body exceeds the limit of ${LIMITS.maxBytes} bytes`);
  }
}

/** Decodes parts as SoapTransport's plain sink does: bytes through a UTF-8 StringDecoder into the decoder. */
function decodePlain(method: string, parts: Buffer[]): Decoded {
  const items: [string, unknown][] = [];
  const decoder = new StreamingDecoder(documentSpec(method), (stream, value) => items.push([stream, value]), LIMITS);
  const text = new StringDecoder('utf8');
  let bytes = 0;
  for (const part of parts) {
    bytes += part.length;
    checkBodySize(bytes);
    decoder.write(text.write(part));
  }
  decoder.write(text.end());
  return { root: decoder.end(), items };
}

/** Decodes parts through FragmentReader as SoapTransport does for property-collector pages, filling cache. */
function decodeFragments(method: string, parts: Buffer[], cache: SmallCache): Decoded {
  const items: [string, unknown][] = [];
  let reader: FragmentReader | null = null;
  const decoder = new StreamingDecoder(
    documentSpec(method),
    (stream, value) => {
      items.push([stream, value]);
      if (reader?.currentKey) {
        cache.remember(reader.currentKey);
      }
    },
    LIMITS,
  );
  reader = new FragmentReader(decoder, cache, 'objects', ['Envelope', 'Body', `${method}Response`, 'returnval']);
  let bytes = 0;
  for (const part of parts) {
    bytes += part.length;
    checkBodySize(bytes);
    reader.write(part);
  }
  return { root: reader.end(), items };
}

/** Runs decode and returns "ok", "rejected" for an XmlDecodeError, or the unexpected error. */
function outcomeOf(decode: () => unknown): 'ok' | 'rejected' | Error {
  try {
    decode();
    return 'ok';
  } catch (err) {
    if (err instanceof XmlDecodeError) {
      return 'rejected';
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

describe('StreamingDecoder fuzzing', function () {
  this.timeout(60_000);
  const recorded: Recorded[] = [];

  before(async function () {
    this.timeout(120_000);
    const sim = await startSimulator({ clusters: 1, clusterHosts: 3, standalone: 1 });
    const proxy = await startFaultProxy(sim.url);
    try {
      for (const method of Object.keys(RETURN_SPECS)) {
        proxy.addRule({
          method,
          action: {
            kind: 'rewrite',
            transform: (body) => {
              recorded.push({ method, body: Buffer.from(body, 'utf8') });
              return body;
            },
          },
        });
      }
      const options = { url: proxy.url, name: 'sim', timeoutMs: 30_000 };
      const session = new VcenterSession(options, { username: sim.username, password: { reveal: () => sim.password } });
      try {
        // Pages of two objects, so that ContinueRetrievePropertiesEx bodies and tokens are recorded too.
        await collectHosts(session, { maxObjects: 2 });
      } finally {
        await session.close();
      }
      const rejected = new VcenterSession(options, { username: sim.username, password: { reveal: () => 'wrong password' } });
      await rejected.open().then(
        () => expect.fail('Login with a wrong password succeeded'),
        () => undefined,
      );
      rejected.client.transport.close();
    } finally {
      await proxy.stop();
      await sim.stop();
    }
  });

  it('records every kind of body', () => {
    const methods = new Set(recorded.map((entry) => entry.method));
    expect([...methods].sort()).to.deep.equal(Object.keys(RETURN_SPECS).sort());
    expect(recorded.some((entry) => entry.body.includes('InvalidLogin'))).to.equal(true);
  });

  it('decodes recorded bodies unchanged', () => {
    for (const { method, body } of recorded) {
      const whole = outcomeOf(() => decodePlain(method, [body]));
      expect(whole, `${method}: ${String(whole)}`).to.be.oneOf(['ok', 'rejected']);
    }
    const pages = recorded.filter((entry) => PAGED.has(entry.method));
    for (const { method, body } of pages) {
      const whole = decodePlain(method, [body]);
      const split = decodePlain(method, chunks(body, new Fuzzer(prng(DEFAULT_SEED))));
      const fragmented = decodeFragments(method, chunks(body, new Fuzzer(prng(DEFAULT_SEED + 1))), new SmallCache(0));
      expect(split).to.deep.equal(whole);
      expect(fragmented).to.deep.equal(whole);
      expect(whole.items.filter(([stream]) => stream === 'objects')).to.not.be.empty;
    }
  });

  it('throws only XmlDecodeError on mutations', () => {
    const baseSeed = Number(process.env.VDRIFT_FUZZ_SEED ?? DEFAULT_SEED) >>> 0;
    const only = process.env.VDRIFT_FUZZ_CASE === undefined ? null : Number(process.env.VDRIFT_FUZZ_CASE) >>> 0;
    const seeds = only === null ? Array.from({ length: CASES }, (_, index) => (baseSeed + Math.imul(index, 0x9e3779b9)) >>> 0) : [only];
    const failureDir = tempDir('fuzz');
    const cache = new SmallCache(16);
    const counts = { ok: 0, rejected: 0 };
    const failures: string[] = [];

    const heapBefore = heapUsed();
    const started = performance.now();
    for (const seed of seeds) {
      const fuzz = new Fuzzer(prng(seed));
      // Property-collector pages in three cases of four: they exercise the most code.
      const pages = recorded.filter((entry) => PAGED.has(entry.method));
      const source = fuzz.random() < 0.75 ? fuzz.pick(pages) : fuzz.pick(recorded);
      let body = source.body;
      const applied: string[] = [];
      for (let count = fuzz.int(1, MAX_MUTATIONS); count > 0; count -= 1) {
        const name = fuzz.pick(MUTATION_NAMES);
        applied.push(name);
        body = MUTATIONS[name]!(body, fuzz);
      }

      const paths: [string, () => unknown][] = [['StreamingDecoder', () => decodePlain(source.method, chunks(body, fuzz))]];
      if (PAGED.has(source.method)) {
        paths.push(['FragmentReader', () => decodeFragments(source.method, chunks(body, fuzz), cache)]);
      }
      for (const [path, decode] of paths) {
        const outcome = outcomeOf(decode);
        if (outcome === 'ok' || outcome === 'rejected') {
          counts[outcome] += 1;
          continue;
        }
        const file = join(failureDir, `case-${seed}.xml`);
        writeFileSync(file, body);
        const failure = `seed ${seed} (${source.method}, ${applied.join(' + ')}, ${path}): ${outcome.name}: ${outcome.message}; body in ${file}`;
        console.error(`decoder fuzz failure: ${failure}\n${outcome.stack ?? ''}`);
        failures.push(failure);
      }
    }
    const elapsedMs = performance.now() - started;
    const heapGrowth = heapUsed() - heapBefore;
    const collected = typeof (globalThis as { gc?: unknown }).gc === 'function';

    expect(failures).to.deep.equal([]);
    expect(elapsedMs).to.be.below(50_000);
    expect(heapGrowth).to.be.below(collected ? HEAP_GROWTH_LIMIT.collected : HEAP_GROWTH_LIMIT.uncollected);
    if (only === null) {
      // Mutations that all pass or all fail would test nothing.
      expect(counts.ok).to.be.above(CASES / 20);
      expect(counts.rejected).to.be.above(CASES / 20);
      expect(cache.reused).to.be.above(0);
    }
  });
});

describe('StreamingDecoder on inherited property names', () => {
  const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

  it('treats them as unknown xsi:types', () => {
    const spec = object({ r: object({ val: arrayOf(PROPERTY_VALUE) }) });
    for (const name of ['Mystery', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const decoder = new StreamingDecoder(spec);
      decoder.write(`<r ${XSI}><val xsi:type="${name}"><ruleset><key>sshServer</key></ruleset></val></r>`);
      const root = decoder.end() as { r: { val: unknown[] } };
      expect(root.r.val, `xsi:type="${name}"`).to.deep.equal([{ $type: name, $unknown: true }]);
    }
  });

  it('keeps a __proto__ element as data', () => {
    const decoder = new StreamingDecoder(object({ Fault: FAULT_SPEC }));
    decoder.write(`<Fault ${XSI}><faultcode>ServerFaultCode</faultcode><detail><__proto__ xsi:type="InvalidLogin"/></detail></Fault>`);
    const root = decoder.end() as { Fault: { detail: Record<string, unknown> } };
    expect(Object.getPrototypeOf(root.Fault.detail)).to.equal(Object.prototype);
    expect(Object.keys(root.Fault.detail)).to.deep.equal(['__proto__']);
  });
});

describe('FragmentReader on one large object', function () {
  this.timeout(60_000);
  /** TLS records carry at most 16 KiB, so an HTTPS body arrives in chunks of about this size. */
  const CHUNK = 16 * 1024;
  const METHOD = 'RetrievePropertiesEx';

  /** Builds a page with one host object whose name is `padding` bytes long. */
  function pageWithObject(padding: number): Buffer {
    return Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><${METHOD}Response xmlns="urn:vim25"><returnval>` +
        `<objects><obj type="HostSystem">host-1</obj><propSet><name>name</name><val xsi:type="xsd:string">${'x'.repeat(padding)}</val></propSet></objects>` +
        `</returnval></${METHOD}Response></soapenv:Body></soapenv:Envelope>`,
    );
  }

  /** Returns the fastest of runs timings of decoding body through FragmentReader in CHUNK-sized writes, in ms. */
  function fastestDecode(body: Buffer, runs: number): number {
    let fastest = Infinity;
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      const decoder = new StreamingDecoder(documentSpec(METHOD), () => {}, DEFAULT_LIMITS);
      const reader = new FragmentReader(decoder, new SmallCache(0), 'objects', ['Envelope', 'Body', `${METHOD}Response`, 'returnval']);
      for (let at = 0; at < body.length; at += CHUNK) {
        reader.write(body.subarray(at, at + CHUNK));
      }
      reader.end();
      fastest = Math.min(fastest, performance.now() - started);
    }
    return fastest;
  }

  it('scales linearly with object size', () => {
    const small = fastestDecode(pageWithObject(2 * MEBIBYTE), 3);
    const large = fastestDecode(pageWithObject(16 * MEBIBYTE), 2);
    // Eight times the bytes should cost about eight times the time. A reader
    // that copies or rescans what it buffered for each chunk costs about 64 times.
    expect(large / small, `2 MiB: ${small.toFixed(0)} ms, 16 MiB: ${large.toFixed(0)} ms`).to.be.below(24);
  });
});
