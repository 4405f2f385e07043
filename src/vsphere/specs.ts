// Decoding specs for the vim25 types vdrift reads. Field names and xsi:type
// names are the WSDL's; see the vSphere Web Services API reference.
import { arrayOf, dynamic, field, object, type DynamicSpec, type ObjectSpec, type Spec } from './xml/spec.js';

export const ABOUT_INFO = object({
  fullName: 'string',
  version: 'string',
  build: 'string',
  apiType: 'string',
  apiVersion: 'string',
  instanceUuid: 'string',
});

export const SERVICE_CONTENT = object({
  rootFolder: 'moref',
  propertyCollector: 'moref',
  viewManager: 'moref',
  about: ABOUT_INFO,
  sessionManager: 'moref',
  eventManager: 'moref',
});

export const USER_SESSION = object({
  key: 'string',
  userName: 'string',
  loginTime: 'string',
});

const FIREWALL_RULE = object({
  port: 'int',
  endPort: 'int',
  direction: 'string',
  portType: 'string',
  protocol: 'string',
});

const IP_NETWORK = object({ network: 'string', prefixLength: 'int' });

const RULESET_IP_LIST = object({
  ipAddress: arrayOf('string'),
  ipNetwork: arrayOf(IP_NETWORK),
  allIp: 'boolean',
});

const FIREWALL_RULESET = object({
  key: 'string',
  label: 'string',
  required: 'boolean',
  rule: arrayOf(FIREWALL_RULE),
  service: 'string',
  enabled: 'boolean',
  allowedHosts: RULESET_IP_LIST,
  userControllable: 'boolean',
  ipListUserConfigurable: 'boolean',
});

export const HOST_FIREWALL_INFO = object({
  defaultPolicy: object({ incomingBlocked: 'boolean', outgoingBlocked: 'boolean' }),
  ruleset: arrayOf(FIREWALL_RULESET),
});

/** LocalizedMethodFault as found in missingSet entries; the inner fault keeps its xsi:type. */
const LOCALIZED_FAULT = object({
  fault: object({ privilegeId: 'string' }, { keepType: true }),
  localizedMessage: 'string',
});

/** Property values vdrift requests, chosen by their xsi:type. */
export const PROPERTY_VALUE: DynamicSpec = dynamic({
  ManagedObjectReference: 'moref',
  HostSystemConnectionState: 'string',
  HostFirewallInfo: HOST_FIREWALL_INFO,
});

export function objectContent(value: Spec = PROPERTY_VALUE): ObjectSpec {
  return object({
    obj: 'moref',
    propSet: arrayOf(object({ name: 'string', val: value })),
    missingSet: arrayOf(object({ path: 'string', fault: LOCALIZED_FAULT })),
  });
}

/** RetrieveResult with its token and objects handed over as they complete. */
export function streamedRetrieveResult(value?: Spec): ObjectSpec {
  return object({
    token: field('string', { stream: true }),
    objects: field(objectContent(value), { array: true, stream: true }),
  });
}
