// Starts the vCenter simulator (test/vcsim, built by test/vcsim/build.sh) for
// integration tests and wraps its JSON control API.
//
// The simulator listens on a free loopback port, prints one JSON line when it
// is ready, and exits on SIGTERM or when its standard input closes, so a
// simulator whose test runner dies does not outlive it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { httpRequest } from './http.js';

export interface SimOptions {
  /** Number of clusters (default 1). */
  clusters?: number;
  /** Number of hosts in each cluster (default 3). */
  clusterHosts?: number;
  /** Number of standalone hosts (default 1). */
  standalone?: number;
  /** HTTPS with a new self-signed certificate when true (default false). */
  tls?: boolean;
  /** The only user name the simulator accepts (default "user"). */
  username?: string;
  /** The only password the simulator accepts (default "pass"). */
  password?: string;
  /** vCenter's about.apiVersion, such as "8.0.3.0" (default: the simulator's "6.5"). */
  apiVersion?: string;
  /** Time to wait for the ready line, in milliseconds (default 60,000). */
  startTimeoutMs?: number;
}

/** One host as GET /vdrift-sim/hosts returns it. */
export interface SimHost {
  moid: string;
  name: string;
  /** Cluster name, or null for a standalone host. */
  cluster: string | null;
  /** Moid of the host's HostFirewallSystem. */
  firewallSystem: string;
  connectionState: string;
  inMaintenanceMode: boolean;
  /** The host's config.product.apiVersion, "6.5" unless changed. */
  apiVersion: string;
  /** The esxcli firewall switch that "network firewall get" reports as Enabled. */
  firewallEnabled: boolean;
  esxcliFault: EsxcliFaultMode | null;
  /** HostSystem property paths reported in missingSet with NoPermission. */
  deny: string[];
}

/** How ExecuteSoap fails for a host: a NotSupported fault, or no response for 30 s. */
export type EsxcliFaultMode = 'NotSupported' | 'timeout';

/** Settings for POST /vdrift-sim/host. A field left out keeps its value. */
export interface HostChange {
  connectionState?: 'connected' | 'disconnected' | 'notResponding';
  inMaintenanceMode?: boolean;
  /** "absent" unsets config.firewall and firewallInfo, and "present" restores both. */
  firewall?: 'present' | 'absent';
  /** Sets the esxcli firewall switch without posting an event, like a change made outside vCenter. */
  firewallEnabled?: boolean;
  /** Makes ExecuteSoap fail for this host; null clears the fault. */
  esxcliFault?: EsxcliFaultMode | null;
  /**
   * The host's config.product.apiVersion. From "8.0.2.0", rulesets carry
   * userControllable and ipListUserConfigurable for sessions whose SOAPAction
   * announces 8.0.2.0 or later.
   */
  apiVersion?: string;
  /** config.product.version (default: the first three parts of apiVersion). Needs apiVersion. */
  productVersion?: string;
  /** HostSystem property paths that RetrievePropertiesEx reports as NoPermission; [] clears them. */
  deny?: string[];
}

/** One event for POST /vdrift-sim/events, about one host. */
export interface SimEvent {
  /** Host name or moid. */
  host: string;
  eventTypeId: string;
  /** Event class; optional for the host firewall and SSH events, whose class the simulator looks up. */
  kind?: 'EventEx' | 'ExtendedEvent';
  /** Default "", the system user. */
  userName?: string;
  /** Default: the time the simulator receives the event. */
  createdTime?: Date | string;
  message?: string;
  /** EventEx only (default "warning" for esx.problem events, else "info"). */
  severity?: 'info' | 'warning' | 'error' | 'user';
  /** EventEx arguments. */
  arguments?: Record<string, string | number | boolean>;
  /** ExtendedEvent data. */
  data?: Record<string, string>;
}

/** Switches of POST /vdrift-sim/settings. */
export interface SimSettings {
  /** Whether firewall changes made through the simulator post events (default true). */
  firewallEvents: boolean;
}

export interface Simulator {
  /** SOAP endpoint, for example http://127.0.0.1:PORT/sdk. */
  url: string;
  /** Base URL of the control API, without a trailing slash. */
  controlUrl: string;
  hosts: number;
  /** Path of the PEM certificate (TLS mode only). */
  certFile?: string;
  /** Content of certFile, to pass as the trusted CA (TLS mode only). */
  certPem?: string;
  /** SHA-256 fingerprint of the certificate as "AA:BB:..." (TLS mode only). */
  certSha256?: string;
  username: string;
  password: string;
  listHosts(): Promise<SimHost[]>;
  /** Changes one host, found by name or moid, and returns its new state. */
  setHost(host: string, change: HostChange): Promise<SimHost>;
  /** Terminates every session, as if vCenter's session timeout had run out. */
  expireSessions(): Promise<void>;
  /** Counts of SOAP calls by method name since start or the last reset. */
  stats(): Promise<Record<string, number>>;
  resetStats(): Promise<void>;
  /** Adds one event to vCenter's event history and returns its key. */
  postEvent(event: SimEvent): Promise<number>;
  /** Adds events in order and returns their keys. No event is added when one is invalid. */
  postEvents(events: SimEvent[]): Promise<number[]>;
  /** Changes the given switches and returns all of them. */
  settings(change?: Partial<SimSettings>): Promise<SimSettings>;
  /** Stops the simulator and waits for it to exit. Calling it again does nothing. */
  stop(): Promise<void>;
}

interface ReadyLine {
  url: string;
  control: string;
  hosts: number;
  certFile?: string;
  certSha256?: string;
}

const BINARY_NAME = 'vcsim-vdrift';
const DEFAULT_START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
/** Bytes of simulator stderr kept for error messages. */
const STDERR_TAIL_BYTES = 16 * 1024;

/**
 * Starts a simulator and resolves once it serves requests. Throws when the
 * binary is missing or older than its sources, when it exits early, or when
 * it prints no ready line within the start timeout. Set VDRIFT_VCSIM_LOG=1 to
 * copy its log to this process's stderr.
 */
export async function startSimulator(options: SimOptions = {}): Promise<Simulator> {
  const binary = simulatorBinary();
  const username = options.username ?? 'user';
  const password = options.password ?? 'pass';

  const args = [
    '-listen', '127.0.0.1:0',
    '-clusters', String(options.clusters ?? 1),
    '-cluster-hosts', String(options.clusterHosts ?? 3),
    '-standalone', String(options.standalone ?? 1),
    '-username', username,
    '-password', password,
  ];

  if (options.apiVersion !== undefined) {
    args.push('-api-version', options.apiVersion);
  }

  let certDir: string | undefined;
  if (options.tls) {
    certDir = mkdtempSync(join(tmpdir(), 'vcsim-cert-'));
    args.push('-tls', '-cert-out', join(certDir, 'vcsim.pem'));
  }

  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // stdin is only ever closed, to stop the simulator, so a write error after
  // the simulator exited (EPIPE) is expected and ignored.
  child.stdin?.on('error', () => {});
  const stderr = captureStderr(child);
  const removeCertDir = (): void => {
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  };

  let ready: ReadyLine;
  try {
    ready = await readReadyLine(child, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, stderr);
  } catch (err) {
    await stopProcess(child);
    removeCertDir();
    throw err;
  }

  const ca = ready.certFile ? readFileSync(ready.certFile, 'utf8') : undefined;
  const control = controlClient(ready.control, ca);

  return {
    url: ready.url,
    controlUrl: ready.control,
    hosts: ready.hosts,
    certFile: ready.certFile,
    certPem: ca,
    certSha256: ready.certSha256,
    username,
    password,
    listHosts: () => control<SimHost[]>('GET', '/hosts'),
    setHost: (host, change) => control<SimHost>('POST', '/host', { host, ...change }),
    expireSessions: async () => {
      await control('POST', '/sessions/expire', {});
    },
    stats: async () => (await control<{ calls: Record<string, number> }>('GET', '/stats')).calls,
    resetStats: async () => {
      await control('POST', '/stats/reset', {});
    },
    postEvent: async (event) => (await control<{ key: number }>('POST', '/events', event)).key,
    postEvents: async (events) => (await control<{ keys: number[] }>('POST', '/events/batch', events)).keys,
    settings: (change = {}) => control<SimSettings>('POST', '/settings', change),
    stop: async () => {
      await stopProcess(child);
      removeCertDir();
    },
  };
}

type ControlCall = <T>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<T>;

/** Returns a function that calls the control API at base and throws its error message on any status but 200. */
function controlClient(base: string, ca: string | undefined): ControlCall {
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await httpRequest(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      ca,
    });
    const parsed = parseJson(res.body) as T & { error?: string };
    if (res.status !== 200) {
      const reason = parsed?.error ?? res.body;
      throw new Error(`simulator control ${method} ${path} failed with HTTP ${res.status}: ${reason}`);
    }
    return parsed;
  };
}

/**
 * Returns the path of the simulator binary: VDRIFT_VCSIM_BIN when set, else
 * test/vcsim/bin/vcsim-vdrift. Throws with the command that builds it when it
 * is missing or older than a .go file beside it.
 */
export function simulatorBinary(): string {
  const override = process.env.VDRIFT_VCSIM_BIN;
  if (override) {
    if (!existsSync(override)) {
      throw new Error(`VDRIFT_VCSIM_BIN is ${override}, but no file exists there`);
    }
    return override;
  }

  const sourceDir = join(findRepoRoot(), 'test', 'vcsim');
  const binary = join(sourceDir, 'bin', BINARY_NAME);
  if (!existsSync(binary)) {
    throw new Error(`simulator binary ${binary} not found: run \`bash test/vcsim/build.sh\` first`);
  }

  const builtAt = statSync(binary).mtimeMs;
  const stale = readdirSync(sourceDir).filter(
    (name) => name.endsWith('.go') && statSync(join(sourceDir, name)).mtimeMs > builtAt,
  );
  if (stale.length > 0) {
    throw new Error(
      `simulator binary ${binary} is older than ${stale.join(', ')}: run \`bash test/vcsim/build.sh\` to rebuild it`,
    );
  }

  return binary;
}

/**
 * Returns the repository root: the nearest folder above this module that
 * contains test/vcsim/build.sh. This works from test/helpers and from the
 * compiled copy in dist/test/helpers.
 */
function findRepoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'test', 'vcsim', 'build.sh'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`no folder above ${start} contains test/vcsim/build.sh; set VDRIFT_VCSIM_BIN to the binary`);
    }
    dir = parent;
  }
}

/** Keeps the tail of the child's stderr, and copies it when VDRIFT_VCSIM_LOG is set. */
function captureStderr(child: ChildProcess): { tail(): string } {
  let tail = '';
  const copy = Boolean(process.env.VDRIFT_VCSIM_LOG);
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (copy) process.stderr.write(chunk);
    tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
  });
  return { tail: () => tail.trim() };
}

function readReadyLine(child: ChildProcess, timeoutMs: number, stderr: { tail(): string }): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let settled = false;

    const finish = (err: Error | undefined, line?: ReadyLine): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) reject(err);
      else resolve(line!);
    };

    const timer = setTimeout(() => {
      finish(new Error(`simulator printed no ready line within ${timeoutMs} ms; its log ends with:\n${stderr.tail()}`));
    }, timeoutMs);

    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      const status = signal ? `signal ${signal}` : `code ${code}`;
      finish(new Error(`simulator exited with ${status} before it was ready; its log ends with:\n${stderr.tail()}`));
    };
    const onError = (err: Error): void => {
      finish(new Error(`starting the simulator failed: ${err.message}`, { cause: err }));
    };
    child.once('exit', onExit);
    child.once('error', onError);

    // Later lines are read and dropped, so that a full pipe never blocks it.
    lines.on('line', (text) => {
      if (settled) return;
      const parsed = parseJson(text) as Partial<ReadyLine> | undefined;
      if (typeof parsed?.url !== 'string' || typeof parsed.control !== 'string' || typeof parsed.hosts !== 'number') {
        finish(new Error(`simulator printed an invalid ready line: ${text}`));
        return;
      }
      finish(undefined, parsed as ReadyLine);
    });
  });
}

/** Closes the child's stdin, sends SIGTERM and waits for the exit. Sends SIGKILL after STOP_TIMEOUT_MS. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  child.kill('SIGTERM');

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
  });
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);

  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
