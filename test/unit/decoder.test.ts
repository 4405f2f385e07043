import { expect } from 'chai';
import { StreamingDecoder } from '../../src/vsphere/xml/decoder.js';
import { arrayOf, dynamic, field, object } from '../../src/vsphere/xml/spec.js';
import { XmlDecodeError } from '../../src/vsphere/xml/xml-error.js';

const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

function decode(xml: string, spec = object({ root: object({ name: 'string', count: 'int', on: 'boolean' }) }), chunk = xml.length) {
  const items: [string, unknown][] = [];
  const decoder = new StreamingDecoder(spec, (stream, value) => items.push([stream, value]));
  for (let i = 0; i < xml.length; i += chunk) {
    decoder.write(xml.slice(i, i + chunk));
  }
  return { root: decoder.end(), items };
}

describe('StreamingDecoder', () => {
  it('decodes named scalars', () => {
    const { root } = decode('<root><name>a &amp; b</name><count>42</count><on>true</on><other>x</other></root>');
    expect(root).to.deep.equal({ root: { name: 'a & b', count: 42, on: true } });
  });

  it('decodes the same across chunk boundaries', () => {
    const xml = '<root><name>split text</name><count>7</count><on>0</on></root>';
    const whole = decode(xml).root;
    const pieces = decode(xml, undefined, 3).root;
    expect(pieces).to.deep.equal(whole);
  });

  it('skips unnamed subtrees', () => {
    const { root } = decode('<root><junk><name>no</name><deep><deeper/></deep></junk><name>yes</name></root>');
    expect(root).to.deep.equal({ root: { name: 'yes' } });
  });

  it('collects repeated elements into arrays', () => {
    const spec = object({ list: object({ item: arrayOf('string') }) });
    const { root } = decode('<list><item>a</item><item>b</item></list>', spec);
    expect(root).to.deep.equal({ list: { item: ['a', 'b'] } });
  });

  it('streams marked fields to the handler', () => {
    const spec = object({ page: object({ token: field('string', { stream: true }), objects: field(object({ id: 'int' }), { array: true, stream: true }) }) });
    const { root, items } = decode('<page><token>t1</token><objects><id>1</id></objects><objects><id>2</id></objects></page>', spec);
    expect(items).to.deep.equal([
      ['token', 't1'],
      ['objects', { id: 1 }],
      ['objects', { id: 2 }],
    ]);
    expect(root).to.deep.equal({ page: {} });
  });

  it('chooses dynamic specs by xsi:type', () => {
    const spec = object({ vals: object({ val: arrayOf(dynamic({ Pair: object({ a: 'string' }), ManagedObjectReference: 'moref' })) }) });
    const xml =
      `<vals ${XSI} xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
      '<val xsi:type="Pair"><a>x</a></val>' +
      '<val xsi:type="ManagedObjectReference" type="HostSystem">host-1</val>' +
      '<val xsi:type="xsd:boolean">false</val>' +
      '<val xsi:type="Mystery"><a>hidden</a></val>' +
      '</vals>';
    const { root } = decode(xml, spec);
    expect((root.vals as { val: unknown[] }).val).to.deep.equal([{ a: 'x' }, { type: 'HostSystem', value: 'host-1' }, false, { $type: 'Mystery', $unknown: true }]);
  });

  it('honours a renamed xsi prefix', () => {
    const spec = object({ vals: object({ val: dynamic({ Pair: object({ a: 'string' }) }) }) });
    const xml = '<vals xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><val i:type="Pair" type="ignored"><a>y</a></val></vals>';
    expect(decode(xml, spec).root).to.deep.equal({ vals: { val: { a: 'y' } } });
  });

  it('rejects a document type declaration', () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE root [<!ENTITY a "aaaa">]><root><name>&a;</name></root>';
    expect(() => decode(xml)).to.throw(XmlDecodeError, /document type declarations are not accepted/);
  });

  it('rejects an undefined entity', () => {
    expect(() => decode('<root><name>&boom;</name></root>')).to.throw(XmlDecodeError, /malformed XML/);
  });

  it('rejects nesting beyond the limit', () => {
    const deep = '<a>'.repeat(100) + '</a>'.repeat(100);
    const decoder = new StreamingDecoder(object({}), undefined, { maxDepth: 64, maxBytes: 1e6 });
    expect(() => decoder.write(deep)).to.throw(XmlDecodeError, /nesting exceeds the limit of 64/);
  });

  it('rejects bodies over the size limit', () => {
    const decoder = new StreamingDecoder(object({}), undefined, { maxDepth: 64, maxBytes: 10 });
    expect(() => decoder.write('<root>0123456789</root>')).to.throw(XmlDecodeError, /exceeds the limit of 10 bytes/);
  });

  it('rejects a truncated document', () => {
    const decoder = new StreamingDecoder(object({ root: object({ name: 'string' }) }));
    decoder.write('<root><name>cut');
    expect(() => decoder.end()).to.throw(XmlDecodeError);
  });

  it('rejects a non-boolean boolean', () => {
    expect(() => decode('<root><on>maybe</on></root>')).to.throw(XmlDecodeError, /<on> contains "maybe", expected a boolean/);
  });

  it('rejects a non-integer integer', () => {
    expect(() => decode('<root><count>12abc</count></root>')).to.throw(XmlDecodeError, /<count> contains "12abc", expected an integer/);
  });
});
