/**
 * Base class of every error vdrift raises on purpose. Messages name what
 * failed and on which target, and never contain a credential.
 */
export class VdriftError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
