import { VdriftError } from '../model/vdrift-error.js';

/** The database could not be opened, migrated or written. */
export class StoreError extends VdriftError {}
