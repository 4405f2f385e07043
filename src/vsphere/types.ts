// Decoded shapes of the vim25 values that the specs in specs.ts describe.
import type { ManagedObjectReference } from './xml/spec.js';

export type { ManagedObjectReference };

export interface AboutInfo {
  fullName?: string;
  version?: string;
  build?: string;
  apiType?: string;
  apiVersion?: string;
  instanceUuid?: string;
}

export interface ServiceContent {
  rootFolder: ManagedObjectReference;
  propertyCollector: ManagedObjectReference;
  viewManager?: ManagedObjectReference;
  sessionManager?: ManagedObjectReference;
  eventManager?: ManagedObjectReference;
  about: AboutInfo;
}

export interface UserSession {
  key?: string;
  userName?: string;
  loginTime?: string;
}

export interface DynamicProperty {
  name: string;
  val?: unknown;
}

export interface MissingProperty {
  path: string;
  fault?: { fault?: { $type?: string; privilegeId?: string }; localizedMessage?: string };
}

export interface ObjectContent {
  obj: ManagedObjectReference;
  propSet?: DynamicProperty[];
  missingSet?: MissingProperty[];
}

export interface HostFirewallRuleValue {
  port?: number;
  endPort?: number;
  direction?: string;
  portType?: string;
  protocol?: string;
}

export interface HostFirewallRulesetValue {
  key?: string;
  label?: string;
  required?: boolean;
  rule?: HostFirewallRuleValue[];
  service?: string;
  enabled?: boolean;
  allowedHosts?: { ipAddress?: string[]; ipNetwork?: { network?: string; prefixLength?: number }[]; allIp?: boolean };
  userControllable?: boolean;
  ipListUserConfigurable?: boolean;
}

export interface HostFirewallInfoValue {
  defaultPolicy?: { incomingBlocked?: boolean; outgoingBlocked?: boolean };
  ruleset?: HostFirewallRulesetValue[];
}
