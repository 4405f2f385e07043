// Ruleset keys whose role is known from the ESXi ruleset list (ESXi 6.5
// to 8.0 U2) and the vSphere Security Configuration Guide.

/** Rulesets that carry management traffic: disabling them blinds vCenter or monitoring, opening them exposes the host. */
export const MANAGEMENT_RULESETS: ReadonlySet<string> = new Set([
  'sshServer',
  'vSphereClient',
  'webAccess',
  'CIMHttpServer',
  'CIMHttpsServer',
  'CIMSLP',
  'snmp',
  'NFC',
  'vpxHeartbeats',
  'syslog',
]);

/** Rulesets ESXi edits by itself: NFS mounts enable them and add servers to their lists. */
export const ESXI_MANAGED_RULESETS: ReadonlySet<string> = new Set(['nfsClient', 'nfs41Client']);
