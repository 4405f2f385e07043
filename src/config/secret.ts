import { inspect } from 'node:util';

const MASK = '[secret]';

/**
 * A credential that prints as `[secret]` through toString, JSON.stringify,
 * template literals and util.inspect (console.log), so that it cannot reach
 * a log or an error message by accident. Only reveal() returns the value.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** Returns the plain value, for the one call that sends it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}
