// Streaming SOAP decoder on saxes. Feed it chunks as they arrive; it builds
// only what the spec names. It rejects document type declarations (and with
// them every entity-expansion attack, because saxes then expands only the five
// predefined entities), nesting deeper than a limit, and bodies larger than
// a limit.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { DynamicSpec, FieldSpec, ObjectSpec, Spec } from './spec.js';
import { XmlDecodeError } from './xml-error.js';

const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

/** xsd scalar types that may appear as xsi:type of a dynamic value. */
const XSD_SCALARS: Record<string, Spec> = {
  string: 'string',
  boolean: 'boolean',
  int: 'int',
  long: 'int',
  short: 'int',
  byte: 'int',
  dateTime: 'string',
};

export interface DecoderLimits {
  maxDepth: number;
  maxBytes: number;
}

export const DEFAULT_LIMITS: DecoderLimits = { maxDepth: 64, maxBytes: 256 * 1024 * 1024 };

export type ItemHandler = (stream: string, value: unknown) => void;

/** One open element being decoded. Frames are reused from a pool, since a large body opens hundreds of thousands of elements. */
class Frame {
  spec: Spec = 'string';
  field: FieldSpec | null = null;
  name = '';
  value: unknown = undefined;
  text = '';
  xsiTypeNames: string[] | null = null;
}

export class StreamingDecoder {
  private readonly parser = new SaxesParser({ xmlns: false, position: false });
  private readonly frames: Frame[] = [new Frame()];
  private top = 0;
  private readonly root: Record<string, unknown> = {};
  private skipDepth = 0;
  private depth = 0;
  private bytes = 0;
  /** Attribute names that carry xsi:type in the current scope, such as `xsi:type`. */
  private xsiTypeNames: string[] = ['xsi:type'];

  constructor(
    rootSpec: ObjectSpec,
    private readonly onItem: ItemHandler = () => {},
    private readonly limits: DecoderLimits = DEFAULT_LIMITS,
  ) {
    this.frames[0]!.spec = rootSpec;
    this.frames[0]!.name = '#document';
    this.frames[0]!.value = this.root;
    this.parser.on('doctype', () => {
      throw new XmlDecodeError('XML document type declarations are not accepted in SOAP responses');
    });
    this.parser.on('error', (err) => {
      throw new XmlDecodeError(`malformed XML: ${err.message}`);
    });
    this.parser.on('opentag', (tag) => this.open(tag));
    this.parser.on('closetag', () => this.close());
    this.parser.on('text', (text) => this.text(text));
    this.parser.on('cdata', (text) => this.text(text));
  }

  /** Bytes fed so far, counted as UTF-16 code units of the decoded text. */
  get size(): number {
    return this.bytes;
  }

  write(chunk: string): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxBytes) {
      throw new XmlDecodeError(`response body exceeds the limit of ${this.limits.maxBytes} bytes`);
    }
    this.parser.write(chunk);
  }

  /** Tells whether the decoder is inside exactly these named elements, outermost first, and not skipping. */
  isAt(path: readonly string[]): boolean {
    if (this.skipDepth > 0 || this.top !== path.length) {
      return false;
    }
    for (let i = 0; i < path.length; i += 1) {
      if (this.frames[i + 1]!.name !== path[i]) {
        return false;
      }
    }
    return true;
  }

  /** Describes what changes how an element is read here: the attribute names that carry xsi:type. */
  contextKey(): string {
    return this.xsiTypeNames.join(' ');
  }

  /** Ends the document and returns the decoded root value. */
  end(): Record<string, unknown> {
    this.parser.close();
    if (this.depth !== 0) {
      throw new XmlDecodeError('XML document ended before its root element closed');
    }
    return this.root;
  }

  private open(tag: SaxesTagPlain): void {
    this.depth += 1;
    if (this.depth > this.limits.maxDepth) {
      throw new XmlDecodeError(`XML nesting exceeds the limit of ${this.limits.maxDepth} levels`);
    }
    if (this.skipDepth > 0) {
      this.skipDepth += 1;
      return;
    }

    const declared = declaredXsiTypeNames(tag.attributes);
    if (declared) {
      this.xsiTypeNames = [...this.xsiTypeNames, ...declared];
    }

    const name = localName(tag.name);
    const parent = this.frames[this.top]!;
    const field = childField(parent.spec, name);
    if (!field) {
      this.skip(declared);
      return;
    }

    const spec = this.resolveSpec(field.spec, tag.attributes);
    if (!spec) {
      this.assign(parent, name, field, this.unknownValue(tag.attributes));
      this.skip(declared);
      return;
    }
    this.top += 1;
    const frame = (this.frames[this.top] ??= new Frame());
    frame.spec = spec;
    frame.field = field;
    frame.name = name;
    frame.value = this.initialValue(spec, tag.attributes);
    frame.text = '';
    frame.xsiTypeNames = declared;
  }

  private close(): void {
    this.depth -= 1;
    if (this.skipDepth > 0) {
      this.skipDepth -= 1;
      if (this.skipDepth === 0) {
        this.popPrefixes(this.skippedPrefixes);
        this.skippedPrefixes = null;
      }
      return;
    }

    const frame = this.frames[this.top]!;
    this.top -= 1;
    this.popPrefixes(frame.xsiTypeNames);
    const value = finishValue(frame);
    frame.value = undefined;
    this.assign(this.frames[this.top]!, frame.name, frame.field!, value);
  }

  private text(text: string): void {
    if (this.skipDepth > 0) {
      return;
    }
    const frame = this.frames[this.top]!;
    if (typeof frame.spec === 'string') {
      frame.text += text;
    }
  }

  private skippedPrefixes: string[] | null = null;

  private skip(declared: string[] | null): void {
    this.skipDepth = 1;
    this.skippedPrefixes = declared;
  }

  private popPrefixes(declared: string[] | null): void {
    if (declared) {
      this.xsiTypeNames = this.xsiTypeNames.slice(0, this.xsiTypeNames.length - declared.length);
    }
  }

  private xsiType(attributes: Record<string, string>): string | undefined {
    for (let i = this.xsiTypeNames.length - 1; i >= 0; i -= 1) {
      const value = attributes[this.xsiTypeNames[i]!];
      if (value !== undefined) {
        return localName(value);
      }
    }
    return undefined;
  }

  private initialValue(spec: Spec, attributes: Record<string, string>): unknown {
    if (spec === 'moref') {
      return { type: attributes.type ?? '', value: '' };
    }
    if (typeof spec === 'string') {
      return undefined;
    }
    const value: Record<string, unknown> = {};
    if ((spec as ObjectSpec).keepType) {
      const type = this.xsiType(attributes);
      if (type !== undefined) {
        value.$type = type;
      }
    }
    return value;
  }

  private resolveSpec(spec: Spec, attributes: Record<string, string>): Spec | null {
    if (typeof spec === 'string' || spec.kind !== 'dynamic') {
      return spec;
    }
    const type = this.xsiType(attributes);
    if (type === undefined) {
      return null;
    }
    // Own properties only: an xsi:type such as "constructor" must not find Object.prototype members.
    const types = (spec as DynamicSpec).types;
    return (Object.hasOwn(types, type) ? types[type] : undefined) ?? (Object.hasOwn(XSD_SCALARS, type) ? XSD_SCALARS[type] : undefined) ?? null;
  }

  private unknownValue(attributes: Record<string, string>): unknown {
    const type = this.xsiType(attributes);
    return type === undefined ? undefined : { $type: type, $unknown: true };
  }

  private assign(parent: Frame, name: string, field: FieldSpec, value: unknown): void {
    if (value === undefined) {
      return;
    }
    if (field.stream) {
      this.onItem(name, value);
      return;
    }
    const target = parent.value as Record<string, unknown>;
    if (field.array) {
      const list = Object.hasOwn(target, name) ? (target[name] as unknown[]) : undefined;
      if (list) {
        list.push(value);
      } else {
        setOwn(target, name, [value]);
      }
      return;
    }
    setOwn(target, name, value);
  }
}

/** Sets an own property, even for element names such as `__proto__` that an assignment would treat specially. */
function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[name] = value;
  }
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Returns `prefix:type` for each prefix an element binds to the XML Schema instance namespace. */
function declaredXsiTypeNames(attributes: Record<string, string>): string[] | null {
  let found: string[] | null = null;
  for (const name in attributes) {
    if (name.startsWith('xmlns:') && attributes[name] === XSI_NAMESPACE) {
      (found ??= []).push(`${name.slice(6)}:type`);
    }
  }
  return found;
}

function childField(spec: Spec, name: string): FieldSpec | undefined {
  if (typeof spec === 'string' || spec.kind !== 'object') {
    return undefined;
  }
  const objectSpec = spec as ObjectSpec;
  return objectSpec.fields.get(name) ?? objectSpec.other;
}

function finishValue(frame: Frame): unknown {
  switch (frame.spec) {
    case 'string':
      return frame.text;
    case 'boolean':
      return parseBoolean(frame.text, frame.name);
    case 'int':
      return parseInteger(frame.text, frame.name);
    case 'moref': {
      const ref = frame.value as { type: string; value: string };
      ref.value = frame.text.trim();
      return ref;
    }
    default:
      return frame.value;
  }
}

function parseBoolean(text: string, name: string): boolean {
  const trimmed = text.trim();
  if (trimmed === 'true' || trimmed === '1') {
    return true;
  }
  if (trimmed === 'false' || trimmed === '0') {
    return false;
  }
  throw new XmlDecodeError(`element <${name}> contains ${JSON.stringify(trimmed.slice(0, 40))}, expected a boolean`);
}

function parseInteger(text: string, name: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?\d{1,15}$/.test(trimmed)) {
    throw new XmlDecodeError(`element <${name}> contains ${JSON.stringify(trimmed.slice(0, 40))}, expected an integer`);
  }
  return Number(trimmed);
}
