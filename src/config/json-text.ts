// Parses JSON text with messages that name the line and column of a syntax
// error, and reports duplicate keys. JSON.parse in Node 20 gives a position
// for some errors only. It also keeps the last of two equal keys silently, so
// a reviewed file could contain a value that never takes effect.

import { formatIssue, type PathSegment } from './issue-path.js';

export type JsonParseResult =
  | { ok: true; value: unknown; duplicateKeys: string[] }
  | { ok: false; error: string };

/**
 * Parses JSON text, ignoring a leading byte order mark. On success,
 * `duplicateKeys` lists each repeated object key as a `path: message` issue.
 * On failure, `error` reads `invalid JSON at line L, column C: reason`.
 */
export function parseJsonText(text: string): JsonParseResult {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const scanner = new JsonScanner(source);
  try {
    scanner.scanDocument();
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const { line, column } = lineAndColumn(source, error.offset);
      return { ok: false, error: `invalid JSON at line ${line}, column ${column}: ${error.message}` };
    }
    if (error instanceof RangeError) {
      return { ok: false, error: 'invalid JSON: nested too deeply' };
    }
    throw error;
  }

  const duplicateKeys = scanner.duplicates.map((path) =>
    formatIssue(path, 'duplicate key; JSON parsers keep only the last value, so remove one'),
  );
  return { ok: true, value: JSON.parse(source) as unknown, duplicateKeys };
}

/** Returns the 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1] as string).length + 1 };
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = '"\\/bfnrt';

// A recursive-descent scanner for RFC 8259 JSON. It checks the grammar and
// records duplicate keys, and JSON.parse builds the value afterwards.
class JsonScanner {
  readonly duplicates: PathSegment[][] = [];
  private offset = 0;

  constructor(private readonly text: string) {}

  scanDocument(): void {
    this.skipWhitespace();
    this.scanValue([]);
    this.skipWhitespace();
    if (this.offset < this.text.length) {
      this.fail('unexpected text after the JSON value');
    }
  }

  private scanValue(path: PathSegment[]): void {
    const char = this.text[this.offset];
    if (char === '{') {
      this.scanObject(path);
    } else if (char === '[') {
      this.scanArray(path);
    } else if (char === '"') {
      this.scanString();
    } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      this.scanNumber();
    } else if (char === 't' || char === 'f' || char === 'n') {
      this.scanLiteral();
    } else if (char === undefined) {
      this.fail('unexpected end of input; expected a value');
    } else {
      this.fail(`unexpected character ${JSON.stringify(char)}; expected a value`);
    }
  }

  private scanObject(path: PathSegment[]): void {
    this.offset += 1;
    this.skipWhitespace();
    if (this.text[this.offset] === '}') {
      this.offset += 1;
      return;
    }

    const seen = new Set<string>();
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.offset] !== '"') {
        this.fail('expected a double-quoted property name');
      }
      const key = this.scanString();
      if (seen.has(key)) {
        this.duplicates.push([...path, key]);
      }
      seen.add(key);

      this.skipWhitespace();
      this.expect(':', "expected ':' after the property name");
      this.skipWhitespace();
      this.scanValue([...path, key]);
      this.skipWhitespace();
      if (this.text[this.offset] === '}') {
        this.offset += 1;
        return;
      }
      this.expect(',', "expected ',' or '}' after the property value");
    }
  }

  private scanArray(path: PathSegment[]): void {
    this.offset += 1;
    this.skipWhitespace();
    if (this.text[this.offset] === ']') {
      this.offset += 1;
      return;
    }

    for (let index = 0; ; index += 1) {
      this.skipWhitespace();
      this.scanValue([...path, index]);
      this.skipWhitespace();
      if (this.text[this.offset] === ']') {
        this.offset += 1;
        return;
      }
      this.expect(',', "expected ',' or ']' after the array element");
    }
  }

  // Returns the decoded string, so that "a" and "\u0061" count as the same key.
  private scanString(): string {
    this.offset += 1;
    let value = '';
    for (;;) {
      const char = this.text[this.offset];
      if (char === undefined) {
        this.fail('unterminated string');
      }
      if (char === '"') {
        this.offset += 1;
        return value;
      }
      if (char < ' ') {
        this.fail('control character in string; write it as an escape such as \\n');
      }
      if (char === '\\') {
        value += this.scanEscape();
      } else {
        value += char;
        this.offset += 1;
      }
    }
  }

  private scanEscape(): string {
    const code = this.text[this.offset + 1];
    if (code === 'u') {
      const hex = this.text.slice(this.offset + 2, this.offset + 6);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
        this.fail('invalid \\u escape; expected four hex digits');
      }
      this.offset += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    if (code === undefined || !ESCAPES.includes(code)) {
      this.fail('invalid escape sequence');
    }
    this.offset += 2;
    return JSON.parse(`"\\${code}"`) as string;
  }

  private scanNumber(): void {
    NUMBER.lastIndex = this.offset;
    const match = NUMBER.exec(this.text);
    const next = match ? this.text[this.offset + match[0].length] : undefined;
    if (!match || (next !== undefined && /[0-9.eE+-]/.test(next))) {
      this.fail('invalid number');
    }
    this.offset += match[0].length;
  }

  private scanLiteral(): void {
    for (const literal of ['true', 'false', 'null']) {
      if (this.text.startsWith(literal, this.offset)) {
        this.offset += literal.length;
        return;
      }
    }
    this.fail('invalid literal; expected true, false or null');
  }

  private expect(char: string, message: string): void {
    if (this.text[this.offset] !== char) {
      this.fail(this.offset < this.text.length ? message : `unexpected end of input; ${message}`);
    }
    this.offset += 1;
  }

  private skipWhitespace(): void {
    while (' \t\n\r'.includes(this.text[this.offset] ?? 'x')) {
      this.offset += 1;
    }
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.offset);
  }
}
