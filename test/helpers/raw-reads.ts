// Raw property reads against the simulator, and error capture, shared by
// the simulator tests. Values are read from the XML with plain string
// checks, so these tests depend on no vSphere client.
import { AdminClient, SoapFaultError, type MoRef } from './vsphere-admin.js';

export function hostRef(moid: string): MoRef {
  return { type: 'HostSystem', value: moid };
}

/** Retrieves paths of one object and returns the raw response. */
export function readObjectXml(client: AdminClient, obj: MoRef, paths: string[]): Promise<string> {
  const pathSet = paths.map((p) => `<pathSet>${p}</pathSet>`).join('');
  return client.call(
    'RetrievePropertiesEx',
    client.serviceContent.propertyCollector,
    `<specSet><propSet><type>${obj.type}</type>${pathSet}</propSet>` +
      `<objectSet><obj type="${obj.type}">${obj.value}</obj></objectSet></specSet><options></options>`,
  );
}

export function readHostXml(client: AdminClient, moid: string, paths: string[]): Promise<string> {
  return readObjectXml(client, hostRef(moid), paths);
}

/** Returns the inner XML of one property of a host. */
export async function readHostProperty(client: AdminClient, moid: string, path: string): Promise<string> {
  return propertyValue(await readHostXml(client, moid, [path]), path);
}

/** Returns the content of the val element of property name, or throws when it is absent. */
export function propertyValue(xml: string, name: string): string {
  const start = xml.indexOf(`<propSet><name>${name}</name>`);
  if (start < 0) throw new Error(`no property ${name} in response: ${xml.slice(0, 800)}`);

  const valueStart = xml.indexOf('>', xml.indexOf('<val', start)) + 1;
  const valueEnd = xml.indexOf('</val></propSet>', valueStart);
  return xml.slice(valueStart, valueEnd);
}

/** Awaits promise and returns the Error it rejects with; throws when it resolves. */
export async function captureError(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`expected an Error, got ${String(err)}`);
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Awaits promise and returns the SOAP fault it rejects with. */
export async function captureFault(promise: Promise<unknown>): Promise<SoapFaultError> {
  const error = await captureError(promise);
  if (!(error instanceof SoapFaultError)) {
    throw new Error(`expected a SoapFaultError, got: ${error.message}`);
  }
  return error;
}
