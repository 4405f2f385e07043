import { VdriftError } from '../model/vdrift-error.js';

/**
 * A SOAP fault returned by vCenter: HTTP 500 with a fault body. `faultName`
 * is the vim25 fault type (NotAuthenticated, InvalidLogin, NoPermission,
 * ManagedObjectNotFound, ...), taken from the detail's xsi:type.
 */
export class SoapFault extends VdriftError {
  constructor(
    readonly method: string,
    readonly faultName: string,
    readonly faultString: string,
    readonly target: string,
  ) {
    const text = faultString ? `: ${faultString}` : '';
    super(`${method} on ${target} failed with ${faultName}${text}`);
  }
}

/** Tells whether an error is a SOAP fault of the given vim25 type. */
export function isFault(err: unknown, faultName: string): err is SoapFault {
  return err instanceof SoapFault && err.faultName === faultName;
}
