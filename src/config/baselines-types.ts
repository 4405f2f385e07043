// A baseline file as written, after schema validation and before defaults.
// schemas/baseline.schema.json is the authority on the format.

import type { AllowedHostsPolicy, BaselineApproval, BaselineScope, RulesetExpectation } from '../model/baseline.js';

export interface BaselineDocument {
  $schema?: string;
  id: string;
  version: number;
  description: string;
  approval: BaselineApproval;
  scope?: BaselineScope;
  defaultPolicy?: { incomingBlocked?: boolean; outgoingBlocked?: boolean };
  rulesetDefaults?: { allowedHosts?: AllowedHostsPolicy };
  unlistedRulesets?: 'ignore' | 'report';
  rulesets?: Record<string, RulesetExpectation>;
}

/** Problems found in one baseline, each as `path: message` without the file name. */
export interface DocumentIssues {
  errors: string[];
  warnings: string[];
}
