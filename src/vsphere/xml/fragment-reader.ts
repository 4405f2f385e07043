// Feeds a SOAP body to the decoder but lets a cache serve repeated
// <objects> elements of a property-collector result. An element whose
// bytes equal one decoded in an earlier poll is not decoded again: its key
// (a SHA-256 over the decoding context and the element's bytes) is handed
// to the cache instead. Only the surrounding envelope, and elements that
// changed, go through the XML parser, so a poll of an unchanged inventory
// costs little more than reading it.
//
// Elements are found by byte search, which is exact as long as the text
// outside them holds no comment, CDATA section or processing instruction
// (the only places where "<objects" could appear without starting an
// element). The reader checks that, and checks that the decoder stands at
// the expected parent element; if either fails it decodes everything.
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { StreamingDecoder } from './decoder.js';

export interface FragmentCache {
  /** Tells whether a fragment with this key was decoded before and can be served from the cache. */
  has(key: string): boolean;
  /** Receives the key of a fragment that was served from the cache instead of being decoded. */
  reuse(key: string): void;
}

const EMPTY = Buffer.alloc(0);
const MARKUP_DECLARATION = Buffer.from('<!');
const PROCESSING_INSTRUCTION = Buffer.from('<?');
const CDATA_END = Buffer.from(']]>');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const XML_DECLARATION = Buffer.from('<?xml');

export class FragmentReader {
  private pending: Buffer = EMPTY;
  private readonly text = new StringDecoder('utf8');
  private readonly open: Buffer;
  private readonly close: Buffer;
  /** The fragment being collected: its chunks so far, and the last bytes for a close tag split across chunks. */
  private fragment: { chunks: Buffer[]; tail: Buffer } | null = null;
  private plain = false;
  private prologDone = false;
  /** Last byte fed from outside fragments, so "<!" split across two writes is still seen. */
  private lastOutsideByte = 0;
  /** Key of the fragment being decoded, so decoded objects can be cached under it. */
  currentKey: string | null = null;

  constructor(
    private readonly decoder: StreamingDecoder,
    private readonly cache: FragmentCache,
    element: string,
    private readonly parentPath: readonly string[],
  ) {
    this.open = Buffer.from(`<${element}`);
    this.close = Buffer.from(`</${element}>`);
  }

  write(chunk: Buffer): void {
    let rest: Buffer | null = chunk;
    while (rest !== null && rest.length > 0) {
      if (this.plain) {
        // Bytes held back for a split "<objects" go first, to keep the order.
        this.feed(this.pending);
        this.pending = EMPTY;
        this.feed(rest);
        return;
      }
      if (this.fragment) {
        rest = this.continueFragment(rest);
        continue;
      }
      this.pending = this.pending.length === 0 ? rest : Buffer.concat([this.pending, rest]);
      rest = null;
      if (!this.prologDone && !this.takeProlog()) {
        return;
      }
      rest = this.takeOutside();
    }
  }

  /** Feeds what is left and ends the document. */
  end(): Record<string, unknown> {
    this.prologDone = true;
    if (this.fragment) {
      this.feed(Buffer.concat(this.fragment.chunks));
      this.fragment = null;
    }
    if (this.pending.length > 0) {
      this.feed(this.pending);
      this.pending = EMPTY;
    }
    this.decoder.write(this.text.end());
    return this.decoder.end();
  }

  /**
   * Feeds a byte order mark and the XML declaration, the one processing
   * instruction a SOAP body may carry, without the markup check. Returns
   * false when more bytes are needed to see them whole.
   */
  private takeProlog(): boolean {
    let start = 0;
    if (this.pending.length < BOM.length + XML_DECLARATION.length) {
      return false;
    }
    if (this.pending.subarray(0, BOM.length).equals(BOM)) {
      start = BOM.length;
    }
    let end = start;
    if (this.pending.subarray(start, start + XML_DECLARATION.length).equals(XML_DECLARATION)) {
      const close = this.pending.indexOf('?>', start);
      if (close === -1) {
        return false;
      }
      end = close + 2;
    }
    this.feed(this.pending.subarray(0, end));
    this.pending = this.pending.subarray(end);
    this.prologDone = true;
    return true;
  }

  /**
   * Feeds the bytes before the next fragment and returns the bytes from its
   * start on, or returns null when no fragment starts in what has arrived.
   */
  private takeOutside(): Buffer | null {
    const start = this.findOpen();
    if (start === -1) {
      // Keep a tail that could be the start of a split "<objects".
      const keep = Math.min(this.pending.length, this.open.length);
      this.feedOutside(this.pending.subarray(0, this.pending.length - keep));
      this.pending = this.pending.subarray(this.pending.length - keep);
      return null;
    }
    this.feedOutside(this.pending.subarray(0, start));
    const fragmentStart = this.pending.subarray(start);
    this.pending = EMPTY;
    this.fragment = { chunks: [], tail: EMPTY };
    return fragmentStart;
  }

  /**
   * Adds bytes to the fragment being collected. Only the new bytes (and the
   * few before them that could hold a split close tag) are searched, and the
   * fragment is copied once at its end, so a large element costs linear time.
   * Returns the bytes after the fragment's end, or null while it goes on.
   */
  private continueFragment(data: Buffer): Buffer | null {
    const fragment = this.fragment!;
    const window = fragment.tail.length === 0 ? data : Buffer.concat([fragment.tail, data]);
    const found = window.indexOf(this.close);
    if (found === -1) {
      fragment.chunks.push(data);
      fragment.tail = Buffer.from(window.subarray(Math.max(0, window.length - (this.close.length - 1))));
      return null;
    }
    const end = found + this.close.length - fragment.tail.length;
    fragment.chunks.push(data.subarray(0, end));
    this.fragment = null;
    this.handleFragment(Buffer.concat(fragment.chunks));
    return data.subarray(end);
  }

  /** Serves a complete fragment from the cache when it may, and decodes it otherwise. */
  private handleFragment(fragment: Buffer): void {
    if (!this.cacheable(fragment)) {
      this.feed(fragment);
      return;
    }
    const key = createHash('sha256').update(this.decoder.contextKey()).update('\n').update(fragment).digest('hex');
    if (this.cache.has(key)) {
      this.cache.reuse(key);
      return;
    }
    this.currentKey = key;
    try {
      this.feed(fragment);
    } finally {
      this.currentKey = null;
    }
  }

  /** Index of the next "<objects" that starts an element (followed by ">", "/" or white space), or -1. */
  private findOpen(): number {
    let from = 0;
    for (;;) {
      const index = this.pending.indexOf(this.open, from);
      if (index === -1 || index + this.open.length >= this.pending.length) {
        return index === -1 ? -1 : index;
      }
      const next = this.pending[index + this.open.length]!;
      if (next === 0x3e || next === 0x2f || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d) {
        return index;
      }
      from = index + 1;
    }
  }

  private cacheable(fragment: Buffer): boolean {
    return (
      this.decoder.isAt(this.parentPath) &&
      fragment.indexOf(this.open, 1) === -1 &&
      fragment.indexOf(MARKUP_DECLARATION) === -1 &&
      fragment.indexOf(PROCESSING_INSTRUCTION) === -1 &&
      fragment.indexOf(CDATA_END) === -1
    );
  }

  /** Feeds text between fragments; markup there that could hide "<objects" switches to plain decoding. */
  private feedOutside(bytes: Buffer): void {
    const splitMarkup = this.lastOutsideByte === 0x3c && (bytes[0] === 0x21 || bytes[0] === 0x3f);
    if (splitMarkup || bytes.indexOf(MARKUP_DECLARATION) !== -1 || bytes.indexOf(PROCESSING_INSTRUCTION) !== -1) {
      this.plain = true;
    }
    if (bytes.length > 0) {
      this.lastOutsideByte = bytes[bytes.length - 1]!;
    }
    this.feed(bytes);
  }

  private feed(bytes: Buffer): void {
    if (bytes.length > 0) {
      this.decoder.write(this.text.write(bytes));
    }
  }
}
