// Runs the real vdrift command in a child process, as a user would.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../src/model/paths.js';
import { tempDir } from '../setup.js';
import type { Simulator } from './vcsim.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const BIN = packagePath('bin', 'vdrift.js');

export function runVdrift(args: string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vdrift ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface WorkspaceOptions {
  /** Baseline documents to write into baselines/, keyed by file name. */
  baselines?: Record<string, unknown>;
  maxObjects?: number;
  /** Extra keys for the vCenter entry of the config. */
  vcenter?: Record<string, unknown>;
}

/** A folder with config.json pointing at one simulator, a baselines folder and a database path. */
export class Workspace {
  readonly dir = tempDir('ws');
  readonly database = join(this.dir, 'vdrift.db');
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly sim: Simulator,
    options: WorkspaceOptions = {},
  ) {
    this.env = { VDRIFT_TEST_PASSWORD: sim.password, VDRIFT_LOG_LEVEL: 'warn' };
    mkdirSync(join(this.dir, 'baselines'));
    for (const [file, document] of Object.entries(options.baselines ?? {})) {
      this.writeBaseline(file, document);
    }
    this.writeConfig({
      database: './vdrift.db',
      baselines: './baselines',
      vcenters: [
        {
          name: 'sim',
          url: sim.url,
          username: sim.username,
          passwordEnv: 'VDRIFT_TEST_PASSWORD',
          ...(options.maxObjects === undefined ? {} : { maxObjects: options.maxObjects }),
          ...options.vcenter,
        },
      ],
    });
  }

  writeConfig(config: unknown): void {
    const file = join(this.dir, 'config.json');
    writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
    chmodSync(file, 0o600);
  }

  writeBaseline(file: string, document: unknown): void {
    writeFileSync(join(this.dir, 'baselines', file), typeof document === 'string' ? document : JSON.stringify(document, null, 2));
  }

  run(...args: string[]): Promise<CliResult> {
    return runVdrift(args, { cwd: this.dir, env: this.env });
  }

  /** Runs a command with --json and parses its stdout. */
  async json<T = Record<string, unknown>>(...args: string[]): Promise<{ code: number | null; body: T; stderr: string }> {
    const result = await this.run(...args, '--json');
    try {
      return { code: result.code, body: JSON.parse(result.stdout) as T, stderr: result.stderr };
    } catch {
      throw new Error(`vdrift ${args.join(' ')} --json printed no JSON (exit ${result.code})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    }
  }
}

/** A baseline document with the required fields filled in, for tests. */
export function baselineDocument(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'test-baseline',
    version: 1,
    description: 'baseline written by a test',
    approval: { by: 'tester', at: '2026-01-01', ticket: 'CHG-0001' },
    scope: {},
    defaultPolicy: { incomingBlocked: true },
    ...overrides,
  };
}
