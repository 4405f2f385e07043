// Feeds a SOAP body to the decoder but lets a cache answer for repeated
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
  private inFragment = false;
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
    if (this.plain) {
      this.feed(chunk);
      return;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (!this.prologDone && !this.takeProlog()) {
      return;
    }
    while (this.pending.length > 0 && !this.plain) {
      const progressed = this.inFragment ? this.takeFragment() : this.takeOutside();
      if (!progressed) {
        break;
      }
    }
    if (this.plain && this.pending.length > 0) {
      this.feed(this.pending);
      this.pending = EMPTY;
    }
  }

  /** Feeds what is left and ends the document. */
  end(): Record<string, unknown> {
    this.prologDone = true;
    if (this.pending.length > 0) {
      this.feed(this.pending);
      this.pending = EMPTY;
    }
    this.decoder.write(this.text.end());
    return this.decoder.end();
  }

  /**
   * Feeds a byte order mark and the XML declaration, the one processing
   * instruction a SOAP body may carry, without the markup check; returns
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

  /** Feeds the bytes before the next fragment; returns false when more bytes are needed. */
  private takeOutside(): boolean {
    const start = this.findOpen();
    if (start === -1) {
      // Keep a tail that could be the start of a split "<objects".
      const keep = Math.min(this.pending.length, this.open.length);
      this.feedOutside(this.pending.subarray(0, this.pending.length - keep));
      this.pending = this.pending.subarray(this.pending.length - keep);
      return false;
    }
    this.feedOutside(this.pending.subarray(0, start));
    this.pending = this.pending.subarray(start);
    this.inFragment = true;
    return true;
  }

  /** Handles one complete fragment; returns false when its end has not arrived yet. */
  private takeFragment(): boolean {
    const end = this.pending.indexOf(this.close);
    if (end === -1) {
      return false;
    }
    const fragment = this.pending.subarray(0, end + this.close.length);
    this.pending = this.pending.subarray(fragment.length);
    this.inFragment = false;

    if (!this.cacheable(fragment)) {
      this.feed(fragment);
      return true;
    }
    const key = createHash('sha256').update(this.decoder.contextKey()).update('\n').update(fragment).digest('hex');
    if (this.cache.has(key)) {
      this.cache.reuse(key);
      return true;
    }
    this.currentKey = key;
    try {
      this.feed(fragment);
    } finally {
      this.currentKey = null;
    }
    return true;
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
