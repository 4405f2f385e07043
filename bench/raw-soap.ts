// A bare SOAP client for the benchmark's reference measurements: it sends
// the same requests vdrift sends but only reads the response bytes, so its
// time is what the wire and the simulator cost.
import http from 'node:http';
import { envelope, methodCall, ref, text } from '../src/vsphere/envelope.js';
import type { ManagedObjectReference } from '../src/vsphere/types.js';

export class RawSoapClient {
  private readonly agent = new http.Agent({ keepAlive: true });
  private cookie = '';
  bytesRead = 0;
  calls = 0;

  constructor(private readonly url: string) {}

  /** Posts one call and returns its body; `keep` limits how much of it is kept as text. */
  async call(method: string, self: ManagedObjectReference, params = '', keep = Infinity): Promise<string> {
    const body = envelope(methodCall(method, self, params));
    this.calls += 1;
    return new Promise((resolve, reject) => {
      const request = http.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: 'urn:vim25/6.7', ...(this.cookie ? { Cookie: this.cookie } : {}) },
        },
        (response) => {
          const cookie = response.headers['set-cookie']?.find((c) => c.startsWith('vmware_soap_session='));
          if (cookie) {
            this.cookie = cookie.split(';', 1)[0]!;
          }
          let kept = '';
          response.on('data', (chunk: Buffer) => {
            this.bytesRead += chunk.length;
            if (kept.length < keep) {
              kept += chunk.toString('utf8', 0, Math.min(chunk.length, keep - kept.length));
            }
          });
          response.on('end', () => (response.statusCode === 200 ? resolve(kept) : reject(new Error(`${method} returned HTTP ${response.statusCode}: ${kept.slice(0, 300)}`))));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  async login(username: string, password: string): Promise<void> {
    await this.call('Login', { type: 'SessionManager', value: 'SessionManager' }, text('userName', username) + text('password', password));
  }

  close(): void {
    this.agent.destroy();
  }
}

export const ROOT_FOLDER: ManagedObjectReference = { type: 'Folder', value: 'group-d1' };
export const VIEW_MANAGER: ManagedObjectReference = { type: 'ViewManager', value: 'ViewManager' };
export const PROPERTY_COLLECTOR: ManagedObjectReference = { type: 'PropertyCollector', value: 'propertyCollector' };

export async function createView(client: RawSoapClient, types: string[]): Promise<ManagedObjectReference> {
  const params = ref('container', ROOT_FOLDER) + types.map((t) => text('type', t)).join('') + text('recursive', true);
  const response = await client.call('CreateContainerView', VIEW_MANAGER, params);
  const value = /<returnval[^>]*>([^<]+)<\/returnval>/.exec(response)?.[1];
  if (!value) {
    throw new Error(`CreateContainerView returned no view: ${response.slice(0, 300)}`);
  }
  return { type: 'ContainerView', value };
}

/** The continuation token, which vCenter writes before the objects, near the start of the body. */
export function tokenOf(head: string): string | null {
  return /<token>([^<]+)<\/token>/.exec(head)?.[1] ?? null;
}
