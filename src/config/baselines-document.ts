// Turns one parsed baseline file into a LoadedBaseline: schema, semantic
// checks, then defaults, with addresses and networks rewritten in canonical
// form so that later comparisons can be textual.

import type { AllowedHostsPolicy, Baseline, LoadedBaseline, RulesetExpectation } from '../model/baseline.js';
import { canonicalJson, sha256Hex } from '../model/canonical.js';
import { canonicalAddress, canonicalCidr } from '../model/ip.js';
import baselineSchema from '../../schemas/baseline.schema.json' with { type: 'json' };
import { checkBaselineDocument } from './baselines-checks.js';
import type { BaselineDocument } from './baselines-types.js';
import { compileSchema } from './schema-validation.js';

export interface BaselineParseResult {
  /** Null when the document has errors. */
  loaded: LoadedBaseline | null;
  /** Each as `file: path: message`. */
  errors: string[];
  warnings: string[];
}

export interface BaselineParseOptions {
  /** The current time, for the check of approval dates in the future. */
  now?: Date;
}

const validateBaselineSchema = compileSchema(baselineSchema);

/**
 * Validates a parsed baseline document and applies its defaults. `file`
 * names the source in messages and in the result. The content hash covers
 * the document as written minus `$schema`, so whitespace and key order do not
 * change it, but any change of content does.
 */
export function parseBaselineDocument(json: unknown, file: string, options: BaselineParseOptions = {}): BaselineParseResult {
  const withFile = (issue: string) => `${file}: ${issue}`;
  const schemaErrors = validateBaselineSchema(json);
  if (schemaErrors.length > 0) {
    return { loaded: null, errors: schemaErrors.map(withFile), warnings: [] };
  }

  const document = json as BaselineDocument;
  const issues = checkBaselineDocument(document, options.now ?? new Date());
  const errors = issues.errors.map(withFile);
  const warnings = issues.warnings.map(withFile);
  if (errors.length > 0) {
    return { loaded: null, errors, warnings };
  }

  const { $schema: _ignored, ...content } = document;
  const hash = sha256Hex(canonicalJson(content));
  return { loaded: { baseline: applyBaselineDefaults(document), file, hash }, errors, warnings };
}

function applyBaselineDefaults(document: BaselineDocument): Baseline {
  const defaults = document.rulesetDefaults?.allowedHosts;
  const rulesets = Object.entries(document.rulesets ?? {}).map(([key, ruleset]) => [key, canonicalRuleset(ruleset)]);
  return {
    id: document.id,
    version: document.version,
    description: document.description,
    approval: { ...document.approval },
    scope: structuredClone(document.scope ?? {}),
    defaultPolicy: { ...document.defaultPolicy },
    rulesetDefaults: defaults ? { allowedHosts: canonicalPolicy(defaults) } : {},
    unlistedRulesets: document.unlistedRulesets ?? 'ignore',
    rulesets: Object.fromEntries(rulesets) as Record<string, RulesetExpectation>,
  };
}

function canonicalRuleset(ruleset: RulesetExpectation): RulesetExpectation {
  const copy = { ...ruleset };
  if (ruleset.allowedHosts) {
    copy.allowedHosts = canonicalPolicy(ruleset.allowedHosts);
  }
  return copy;
}

// Only called after the checks passed, so every entry parses.
function canonicalPolicy(policy: AllowedHostsPolicy): AllowedHostsPolicy {
  switch (policy.mode) {
    case 'within':
      return { mode: 'within', networks: policy.networks.map((text) => canonicalCidr(text) as string) };
    case 'exact':
      return {
        mode: 'exact',
        ipAddress: policy.ipAddress.map((text) => canonicalAddress(text) as string),
        ipNetwork: policy.ipNetwork.map((text) => canonicalCidr(text) as string),
      };
    default:
      return { mode: policy.mode };
  }
}
