// Fault rules of the test proxy: their types, their validation, and the
// choice of the rule that fires on a call.

/** What the proxy does instead of, or on top of, forwarding a call. */
export type FaultAction =
  /** Forwards the call, then waits ms after the upstream response head before sending it. */
  | { kind: 'delay'; ms: number }
  /** Forwards the call and sends the head and afterBytes of the body, then pauses the body for ms. */
  | { kind: 'delayBody'; ms: number; afterBytes: number }
  /** Forwards the call, sends the head and afterBytes of the body, then destroys the client socket. */
  | { kind: 'cut'; afterBytes: number }
  /**
   * Forwards the call and sends the first `bytes` bytes of the body without
   * Content-Length, chunked, then ends the response cleanly.
   */
  | { kind: 'truncate'; bytes: number }
  /** Responds with status and a small text/html error page, as a load balancer does. */
  | { kind: 'html'; status: number }
  /** Responds with status, headers and body (default empty). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Responds with body (default status 200, Content-Type "text/xml; charset=utf-8"). */
  | { kind: 'body'; status?: number; contentType?: string; body: string | Buffer }
  /** Responds with HTTP 500 and a vim25 SOAP fault of type faultName, such as NotAuthenticated. */
  | { kind: 'fault'; faultName: string; message?: string }
  /** Responds with HTTP 200 and an empty returnval: zero objects and no token. */
  | { kind: 'emptyResult' }
  /** Forwards the call and turns every propSet of the response into a NotAuthenticated missingSet. */
  | { kind: 'missingNotAuthenticated' }
  /** Forwards the call and replaces the response body with transform(body). */
  | { kind: 'rewrite'; transform: (body: string) => string };

export type FaultActionKind = FaultAction['kind'];

export interface FaultRule {
  /** SOAP method that the rule matches, for example "RetrievePropertiesEx". Absent matches every call. */
  method?: string;
  /** 1-based number of the first matching call that fires, counted from when the rule was added (default 1). */
  nth?: number;
  /** Number of consecutive matching calls that fire, from call nth on (default 1 with nth, else unlimited). */
  times?: number;
  action: FaultAction;
}

/** A rule with its counters. */
interface RuleState {
  id: string;
  rule: FaultRule;
  /** Matching calls since the rule was added. */
  seen: number;
}

/**
 * The rules of one proxy, in the order they were added. Every rule counts
 * each call that its method filter matches, even a call on which an earlier
 * rule fires. A rule fires on matching calls nth to nth + times - 1, unless an
 * earlier rule fires on that call, so a rule may fire fewer than times times.
 */
export class RuleBook {
  private readonly states: RuleState[] = [];
  private nextId = 1;

  /** Validates rule and adds it. Returns its id. */
  add(rule: FaultRule): string {
    validateRule(rule);
    const id = `rule-${this.nextId}`;
    this.nextId += 1;
    this.states.push({ id, rule, seen: 0 });
    return id;
  }

  /** Removes the rule with this id. Returns false when there is none. */
  remove(id: string): boolean {
    const index = this.states.findIndex((state) => state.id === id);
    if (index < 0) return false;
    this.states.splice(index, 1);
    return true;
  }

  clear(): void {
    this.states.length = 0;
  }

  /** Counts a call of SOAP method against every rule and returns the rule that fires on it, if any. */
  match(method: string): { id: string; action: FaultAction } | undefined {
    let fired: RuleState | undefined;
    for (const state of this.states) {
      if (state.rule.method !== undefined && state.rule.method !== method) continue;

      state.seen += 1;
      if (fired === undefined && inFiringWindow(state)) fired = state;
    }
    return fired === undefined ? undefined : { id: fired.id, action: fired.rule.action };
  }
}

function inFiringWindow(state: RuleState): boolean {
  const { nth, times } = state.rule;
  const first = nth ?? 1;
  const count = times ?? (nth === undefined ? Infinity : 1);
  return state.seen >= first && state.seen < first + count;
}

/** An XML element name without a prefix, as vim25 fault types are. */
const FAULT_NAME = /^[A-Za-z_][\w.-]*$/;

/** Throws a TypeError or RangeError that names the invalid field of rule. */
export function validateRule(rule: FaultRule): void {
  if (rule.method !== undefined && (typeof rule.method !== 'string' || rule.method === '')) {
    throw new TypeError(`fault rule method must be a non-empty string, got ${String(rule.method)}`);
  }
  if (rule.nth !== undefined) requireCount('nth', rule.nth, 1);
  if (rule.times !== undefined) requireCount('times', rule.times, 1);

  const action = rule.action;
  switch (action.kind) {
    case 'delay':
      requireCount('action.ms', action.ms, 0);
      break;
    case 'delayBody':
      requireCount('action.ms', action.ms, 0);
      requireCount('action.afterBytes', action.afterBytes, 0);
      break;
    case 'cut':
      requireCount('action.afterBytes', action.afterBytes, 0);
      break;
    case 'truncate':
      requireCount('action.bytes', action.bytes, 0);
      break;
    case 'html':
    case 'status':
      requireStatus(action.status);
      break;
    case 'body':
      if (action.status !== undefined) requireStatus(action.status);
      break;
    case 'fault':
      if (!FAULT_NAME.test(action.faultName)) {
        throw new TypeError(`fault rule faultName must be an XML name such as NotAuthenticated, got "${action.faultName}"`);
      }
      break;
    case 'rewrite':
      if (typeof action.transform !== 'function') {
        throw new TypeError('fault rule action.transform must be a function');
      }
      break;
    case 'emptyResult':
    case 'missingNotAuthenticated':
      break;
    default:
      throw new TypeError(`unknown fault rule action kind: ${String((action as { kind: unknown }).kind)}`);
  }
}

function requireCount(field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`fault rule ${field} must be an integer of at least ${min}, got ${value}`);
  }
}

function requireStatus(status: number): void {
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new RangeError(`fault rule status must be an HTTP status from 100 to 599, got ${status}`);
  }
}
