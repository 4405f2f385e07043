// Selection of the baseline that judges a host. A scope names vCenters,
// clusters and host name patterns, and every dimension it names must match. When several
// baselines match, the most specific wins: a literal host name beats a host
// pattern, a pattern with more literal characters beats a shorter one, any
// host entry beats a cluster, and a cluster beats a vCenter.
import type { LoadedBaseline } from '../model/baseline.js';

export type BaselineMatch =
  | { kind: 'matched'; baseline: LoadedBaseline }
  | { kind: 'none' }
  | { kind: 'conflict'; candidates: LoadedBaseline[] };

export interface MatchTarget {
  vcenter: string;
  cluster: string | null;
  host: string;
}

type Score = [number, number, number, number];

export function matchBaseline(baselines: readonly LoadedBaseline[], target: MatchTarget): BaselineMatch {
  let best: Score | null = null;
  let winners: LoadedBaseline[] = [];
  for (const loaded of baselines) {
    const score = scoreOf(loaded, target);
    if (!score) {
      continue;
    }
    const order = best ? compareScores(score, best) : 1;
    if (order > 0) {
      best = score;
      winners = [loaded];
    } else if (order === 0) {
      winners.push(loaded);
    }
  }
  if (winners.length === 0) {
    return { kind: 'none' };
  }
  return winners.length === 1 ? { kind: 'matched', baseline: winners[0]! } : { kind: 'conflict', candidates: winners };
}

function scoreOf(loaded: LoadedBaseline, target: MatchTarget): Score | null {
  const scope = loaded.baseline.scope;
  if (scope.vcenters && !scope.vcenters.includes(target.vcenter)) {
    return null;
  }
  if (scope.clusters && (target.cluster === null || !scope.clusters.includes(target.cluster))) {
    return null;
  }
  let hostRank = 0;
  let literals = 0;
  if (scope.hosts) {
    const matched = scope.hosts.filter((pattern) => globToRegExp(pattern).test(target.host));
    if (matched.length === 0) {
      return null;
    }
    const literal = matched.some((pattern) => !/[*?]/.test(pattern));
    hostRank = literal ? 2 : 1;
    literals = Math.max(...matched.map((pattern) => pattern.replace(/[*?]/g, '').length));
  }
  return [hostRank, literals, scope.clusters ? 1 : 0, scope.vcenters ? 1 : 0];
}

function compareScores(a: Score, b: Score): number {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] !== b[i]) {
      return a[i]! - b[i]!;
    }
  }
  return 0;
}

const compiled = new Map<string, RegExp>();

/** Host name patterns: `*` any run of characters, `?` one character, case-insensitive like DNS names. */
export function globToRegExp(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    regex = new RegExp(`^${body}$`, 'i');
    compiled.set(pattern, regex);
  }
  return regex;
}
