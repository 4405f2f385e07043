import { inspect } from 'node:util';

const MASK = '[secret]';

/**
 * A credential that prints as `[secret]` through toString, JSON.stringify,
 * template literals and util.inspect (console.log), so that it cannot reach
 * a log or an error message by accident. Only reveal() returns the value.
 */
export class Secret {
  readonly #value: string | null;

  /** Wraps a value; null stands for a secret that was deliberately not read. */
  constructor(value: string | null) {
    this.#value = value;
  }

  /** Creates a placeholder for commands that never connect to vCenter; revealing it throws. */
  static unread(): Secret {
    return new Secret(null);
  }

  /** Returns the plain value, for the one call that sends it. */
  reveal(): string {
    if (this.#value === null) {
      throw new Error('the secret was not loaded, because this command neither connects to vCenter nor sends notifications');
    }
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
