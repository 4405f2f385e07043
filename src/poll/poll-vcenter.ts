// One poll of one vCenter: fetch everything first (async), then record it in
// one synchronous transaction together with the notifications it causes. A
// vCenter that fails is recorded as a failed poll; it never stops the others.
import type { VcenterConfig } from '../config/config-types.js';
import type { Logger } from '../model/logger.js';
import type { Transition } from '../store/findings.js';
import type { PollKind, PollOutcome } from '../store/polls.js';
import { VcenterPoller } from './poller.js';
import type { WriteContext } from './write-poll.js';

export interface PollContext extends WriteContext {
  logger: Logger;
  now?: () => Date;
}

export interface VcenterPollResult {
  vcenter: string;
  kind: PollKind;
  pollId: number;
  outcome: PollOutcome;
  error: string | null;
  hostsSeen: number;
  hostsChecked: number;
  hostsEvaluated: number;
  roundTrips: number;
  durationMs: number;
  /** Time spent reading from vCenter, and then writing and evaluating in one transaction. */
  fetchMs: number;
  writeMs: number;
  /** Objects (hosts and compute resources) parsed in this poll, and those whose bytes matched an earlier poll. */
  objectsDecoded: number;
  objectsReused: number;
  transitions: Transition[];
  /** Messages queued in the outbox by this poll. */
  notificationsQueued: number;
  /** Hosts whose esxcli probe failed, so whether their firewall is on is unknown; their rulesets were still judged. */
  firewallStateUnknown: { host: string; error: string }[];
}

/** Returns the counts and timings of a poll, as logs and `vdrift poll --json` show them. */
export function pollFigures(result: VcenterPollResult) {
  return {
    pollId: result.pollId,
    outcome: result.outcome,
    hostsSeen: result.hostsSeen,
    hostsChecked: result.hostsChecked,
    hostsEvaluated: result.hostsEvaluated,
    roundTrips: result.roundTrips,
    durationMs: result.durationMs,
    fetchMs: result.fetchMs,
    writeMs: result.writeMs,
    objectsDecoded: result.objectsDecoded,
    objectsReused: result.objectsReused,
    notificationsQueued: result.notificationsQueued,
  };
}

export function logResult(logger: Logger, result: VcenterPollResult): void {
  const fields = { ...pollFigures(result), transitions: result.transitions.length };
  for (const { host, error } of result.firewallStateUnknown) {
    logger.warn('firewall state unknown: the esxcli probe failed', { host, error });
  }
  if (result.outcome === 'failed') {
    logger.error('poll failed', { ...fields, error: result.error });
  } else if (result.outcome === 'incomplete') {
    logger.warn('poll incomplete', { ...fields, error: result.error });
  } else {
    logger.info('poll finished', fields);
  }
}

/** Polls one vCenter once with a new session, then logs out. */
export async function pollVcenter(vcenter: VcenterConfig, context: PollContext): Promise<VcenterPollResult> {
  const poller = new VcenterPoller(vcenter, context);
  try {
    return (await poller.poll())!;
  } finally {
    await poller.close();
  }
}

/** Polls every vCenter once, at most `concurrency` at a time; results keep the config's order. */
export async function pollAll(vcenters: readonly VcenterConfig[], context: PollContext, concurrency = 4): Promise<VcenterPollResult[]> {
  const results: VcenterPollResult[] = new Array(vcenters.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < vcenters.length) {
      const index = next;
      next += 1;
      results[index] = await pollVcenter(vcenters[index]!, context);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, vcenters.length) }, worker));
  return results;
}
