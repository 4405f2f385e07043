// Builders for firewall states, hosts and baselines used by unit tests.
import type { Baseline, LoadedBaseline } from '../../src/model/baseline.js';
import type { AllowedHosts, FirewallState, Ruleset } from '../../src/model/firewall.js';
import type { HostObservation } from '../../src/model/host.js';
import { canonicalJson, sha256Hex } from '../../src/model/canonical.js';

export function ruleset(key: string, overrides: Partial<Ruleset> = {}): Ruleset {
  return {
    allowedHosts: { allIp: true, ipAddress: [], ipNetwork: [] },
    enabled: true,
    key,
    label: key,
    required: false,
    rules: [{ direction: 'inbound', port: 22, portType: 'dst', protocol: 'tcp' }],
    ...overrides,
  };
}

export function allowed(ipAddress: string[] = [], ipNetwork: [string, number][] = []): AllowedHosts {
  return { allIp: false, ipAddress, ipNetwork: ipNetwork.map(([network, prefixLength]) => ({ network, prefixLength })) };
}

export function state(rulesets: Ruleset[], defaultPolicy = { incomingBlocked: true, outgoingBlocked: true }): FirewallState {
  return { defaultPolicy, rulesets: [...rulesets].sort((a, b) => (a.key < b.key ? -1 : 1)) };
}

export function host(firewall: FirewallState | null, overrides: Partial<HostObservation> = {}): HostObservation {
  const body = firewall ? JSON.stringify(firewall) : '';
  return {
    moid: 'host-1',
    name: 'esx1.example.com',
    cluster: 'C1',
    connectionState: 'connected',
    inMaintenanceMode: false,
    productVersion: '8.0.3',
    apiVersion: '8.0.3.0',
    snapshot: firewall ? { state: firewall, body, hash: sha256Hex(body) } : null,
    ...overrides,
  };
}

export function baseline(overrides: Partial<Baseline> = {}, file = 'baselines/test.json'): LoadedBaseline {
  const document: Baseline = {
    id: 'test',
    version: 1,
    description: 'test baseline',
    approval: { by: 'tester', at: '2026-01-01', ticket: 'CHG-1' },
    scope: {},
    defaultPolicy: { incomingBlocked: true },
    rulesetDefaults: {},
    unlistedRulesets: 'ignore',
    rulesets: {},
    ...overrides,
  };
  return { baseline: document, file, hash: sha256Hex(canonicalJson(document)) };
}
