// Typed vim25 calls on top of the SOAP transport. Method names are the API's
// own so they can be looked up in the vSphere Web Services API reference.
import { methodCall, ref, text, texts } from './envelope.js';
import { SERVICE_CONTENT, USER_SESSION, streamedRetrieveResult } from './specs.js';
import type { FragmentOptions, SoapTransport } from './transport.js';
import type { FragmentCache } from './xml/fragment-reader.js';
import type { ManagedObjectReference, ObjectContent, ServiceContent, UserSession } from './types.js';
import type { Spec } from './xml/spec.js';

const SERVICE_INSTANCE: ManagedObjectReference = { type: 'ServiceInstance', value: 'ServiceInstance' };

/** Newest vim25 version whose responses vdrift understands; sent in SOAPAction. */
export const MAX_API_VERSION = '8.0.3.0';

export class VimClient {
  private content: ServiceContent | null = null;

  constructor(readonly transport: SoapTransport) {}

  get serviceContent(): ServiceContent {
    if (!this.content) {
      throw new Error('RetrieveServiceContent has not been called on this client');
    }
    return this.content;
  }

  /**
   * Reads the ServiceContent and raises the SOAPAction version to what the
   * server supports, capped at MAX_API_VERSION: fields newer than the
   * version a client announces (such as userControllable, added in
   * 8.0.2.0) are left out of responses.
   */
  async retrieveServiceContent(): Promise<ServiceContent> {
    const content = await this.transport.call<ServiceContent>('RetrieveServiceContent', methodCall('RetrieveServiceContent', SERVICE_INSTANCE), SERVICE_CONTENT);
    this.content = content;
    this.transport.version = negotiateVersion(content.about.apiVersion);
    return content;
  }

  async login(userName: string, password: string): Promise<UserSession> {
    const params = text('userName', userName) + text('password', password);
    return this.transport.call<UserSession>('Login', methodCall('Login', this.manager('sessionManager'), params), USER_SESSION);
  }

  async logout(): Promise<void> {
    await this.transport.call('Logout', methodCall('Logout', this.manager('sessionManager')), null);
    this.transport.clearSession();
  }

  async createContainerView(container: ManagedObjectReference, types: readonly string[], recursive: boolean): Promise<ManagedObjectReference> {
    const params = ref('container', container) + texts('type', types) + text('recursive', recursive);
    return this.transport.call<ManagedObjectReference>('CreateContainerView', methodCall('CreateContainerView', this.manager('viewManager'), params), 'moref');
  }

  async destroyView(view: ManagedObjectReference): Promise<void> {
    await this.transport.call('DestroyView', methodCall('DestroyView', view), null);
  }

  /**
   * Sends RetrievePropertiesEx. Objects go to `onObject` as they are
   * decoded, and the continuation token to `onToken` as soon as it is read,
   * which vCenter writes before the objects.
   */
  async retrievePropertiesEx(specSet: string, maxObjects: number, handlers: PageHandlers, value?: Spec): Promise<void> {
    const params = specSet + `<options>${text('maxObjects', maxObjects)}</options>`;
    const body = methodCall('RetrievePropertiesEx', this.serviceContent.propertyCollector, params);
    await this.transport.call('RetrievePropertiesEx', body, streamedRetrieveResult(value), pageItemHandler(handlers), objectFragments(handlers.cache));
  }

  async continueRetrievePropertiesEx(token: string, handlers: PageHandlers, value?: Spec): Promise<void> {
    const body = methodCall('ContinueRetrievePropertiesEx', this.serviceContent.propertyCollector, text('token', token));
    await this.transport.call('ContinueRetrievePropertiesEx', body, streamedRetrieveResult(value), pageItemHandler(handlers), objectFragments(handlers.cache));
  }

  async cancelRetrievePropertiesEx(token: string): Promise<void> {
    const body = methodCall('CancelRetrievePropertiesEx', this.serviceContent.propertyCollector, text('token', token));
    await this.transport.call('CancelRetrievePropertiesEx', body, null);
  }

  private manager(name: 'sessionManager' | 'viewManager'): ManagedObjectReference {
    const manager = this.serviceContent[name];
    if (!manager) {
      throw new Error(`${this.transport.target} has no ${name} in its ServiceContent`);
    }
    return manager;
  }
}

export interface PageHandlers {
  /** Receives each decoded object, with the cache key of its bytes when a cache is in use. */
  onObject(content: ObjectContent, cacheKey: string | null): void;
  onToken(token: string): void;
  /** Serves objects whose bytes were decoded in an earlier call; see FragmentReader. */
  cache?: FragmentCache;
}

function pageItemHandler(handlers: PageHandlers) {
  return (stream: string, value: unknown, cacheKey: string | null): void => {
    if (stream === 'token') {
      handlers.onToken(value as string);
    } else {
      handlers.onObject(value as ObjectContent, cacheKey);
    }
  };
}

function objectFragments(cache: FragmentCache | undefined): FragmentOptions | undefined {
  return cache ? { cache, element: 'objects', parentPath: ['returnval'] } : undefined;
}

/** Picks the SOAPAction version: the server's apiVersion, capped at MAX_API_VERSION. */
export function negotiateVersion(apiVersion: string | undefined): string {
  if (!apiVersion || !/^\d+(\.\d+)*$/.test(apiVersion)) {
    return '6.7';
  }
  return compareVersions(apiVersion, MAX_API_VERSION) > 0 ? MAX_API_VERSION : apiVersion;
}

/** Compares dotted version strings numerically: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) {
      return diff;
    }
  }
  return 0;
}
