import { VdriftError } from '../../model/vdrift-error.js';

/** A SOAP body that is not well-formed, breaks a limit, or has a value of the wrong type. */
export class XmlDecodeError extends VdriftError {}
