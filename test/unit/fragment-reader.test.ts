import { expect } from 'chai';
import { StreamingDecoder } from '../../src/vsphere/xml/decoder.js';
import { FragmentReader, type FragmentCache } from '../../src/vsphere/xml/fragment-reader.js';
import { arrayOf, field, object } from '../../src/vsphere/xml/spec.js';

const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const SPEC = object({
  Envelope: object({
    Body: object({
      R: object({ returnval: object({ token: 'string', objects: field(object({ id: 'string', tags: arrayOf('string') }), { array: true, stream: true }) }) }),
    }),
  }),
});

function body(objects: string[], envelope = `<Envelope ${XSI}>`, between = ''): string {
  return `<?xml version="1.0"?>${envelope}<Body><R><returnval><token>t</token>${objects.join(between)}</returnval></R></Body></Envelope>`;
}

function item(id: string, tags: string[] = []): string {
  return `<objects><id>${id}</id>${tags.map((t) => `<tags>${t}</tags>`).join('')}</objects>`;
}

class MapCache implements FragmentCache {
  readonly known = new Set<string>();
  readonly reused: string[] = [];
  asked = 0;
  has(key: string): boolean {
    this.asked += 1;
    return this.known.has(key);
  }
  reuse(key: string): void {
    this.reused.push(key);
  }
}

interface Outcome {
  decoded: { id: string; key: string | null }[];
  reused: string[];
  asked: number;
}

function read(xml: string, cache: MapCache, chunkSize = xml.length): Outcome {
  const decoded: Outcome['decoded'] = [];
  let reader: FragmentReader | null = null;
  const decoder = new StreamingDecoder(SPEC, (_stream, value) => decoded.push({ id: (value as { id: string }).id, key: reader!.currentKey }));
  reader = new FragmentReader(decoder, cache, 'objects', ['Envelope', 'Body', 'R', 'returnval']);
  const bytes = Buffer.from(xml);
  for (let i = 0; i < bytes.length; i += chunkSize) {
    reader.write(bytes.subarray(i, i + chunkSize));
  }
  reader.end();
  return { decoded, reused: [...cache.reused], asked: cache.asked };
}

describe('FragmentReader', () => {
  it('decodes every fragment on a cold cache', () => {
    const outcome = read(body([item('a'), item('b', ['x'])]), new MapCache());
    expect(outcome.decoded.map((d) => d.id)).to.deep.equal(['a', 'b']);
    expect(outcome.decoded.every((d) => d.key !== null)).to.equal(true);
  });

  it('serves known fragments from the cache', () => {
    const first = read(body([item('a'), item('b')]), new MapCache());
    const cache = new MapCache();
    cache.known.add(first.decoded[0]!.key!);
    const second = read(body([item('a'), item('b')]), cache);
    expect(second.decoded.map((d) => d.id)).to.deep.equal(['b']);
    expect(second.reused).to.deep.equal([first.decoded[0]!.key]);
  });

  it('gives changed bytes a new key', () => {
    const before = read(body([item('a', ['x'])]), new MapCache()).decoded[0]!.key;
    const after = read(body([item('a', ['y'])]), new MapCache()).decoded[0]!.key;
    expect(after).to.not.equal(before);
  });

  it('finds the same keys in any chunking', () => {
    const xml = body([item('a', ['x', 'y']), item('é', ['ü'])]);
    const whole = read(xml, new MapCache()).decoded;
    for (const size of [1, 3, 7, 64]) {
      expect(read(xml, new MapCache(), size).decoded, `chunks of ${size}`).to.deep.equal(whole);
    }
  });

  it('keys on the xsi prefix in scope', () => {
    const plain = read(body([item('a')]), new MapCache()).decoded[0]!.key;
    const other = read(body([item('a')], `<Envelope xmlns:i="http://www.w3.org/2001/XMLSchema-instance">`), new MapCache()).decoded[0]!.key;
    expect(other).to.not.equal(plain);
  });

  it('decodes everything after a comment outside fragments', () => {
    const cache = new MapCache();
    const outcome = read(body([item('a'), item('b')], undefined, '<!-- <objects><id>x</id></objects> -->'), cache, 5);
    expect(outcome.decoded.map((d) => d.id)).to.deep.equal(['a', 'b']);
    expect(outcome.asked).to.equal(1);
  });

  it('never caches a fragment with CDATA', () => {
    const cache = new MapCache();
    const outcome = read(body([`<objects><id><![CDATA[a]]></id></objects>`]), cache);
    expect(outcome.decoded.map((d) => d.id)).to.deep.equal(['a']);
    expect(outcome.decoded[0]!.key).to.equal(null);
    expect(cache.asked).to.equal(0);
  });

  it('never caches fragments outside the expected parent', () => {
    const xml = `<Envelope ${XSI}><Body><R><returnval><other>${item('a')}</other>${item('b')}</returnval></R></Body></Envelope>`;
    const outcome = read(xml, new MapCache());
    expect(outcome.decoded.map((d) => d.id)).to.deep.equal(['b']);
    expect(outcome.asked).to.equal(1);
  });

  it('ignores longer names that start alike', () => {
    const xml = body([item('a')]).replace('<token>t</token>', '<token>t</token><objectsExtra>z</objectsExtra>');
    expect(read(xml, new MapCache()).decoded.map((d) => d.id)).to.deep.equal(['a']);
  });

  it('reports a truncated fragment', () => {
    const xml = body([item('a'), item('b')]);
    const cut = xml.slice(0, xml.indexOf('<id>b') + 3);
    expect(() => read(cut, new MapCache())).to.throw(/XML|ended/);
  });
});
