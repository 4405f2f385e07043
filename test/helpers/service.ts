// Runs `vdrift run` as a child process for tests and reads its JSON log
// lines, so tests can wait for what the service reports.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { packagePath } from '../../src/model/paths.js';
import type { Workspace } from './cli.js';

export interface LogLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

export class ServiceProcess {
  readonly logs: LogLine[] = [];
  private stderrTail = '';
  private exitCode: number | null = null;
  private signal: NodeJS.Signals | null = null;
  private readonly exited: Promise<void>;
  healthPort = 0;

  private constructor(private readonly child: ChildProcess) {
    this.exited = once(child, 'exit').then(([code, signal]) => {
      this.exitCode = code as number | null;
      this.signal = signal as NodeJS.Signals | null;
    });
    let pending = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-8000);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ level: 'raw', message: line });
        }
      }
    });
  }

  /** Starts the service of a workspace and waits until it reports that it started. */
  static async start(ws: Workspace, env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [packagePath('bin', 'vdrift.js'), 'run', '--config', 'config.json'], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, ...ws.env, VDRIFT_LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const service = new ServiceProcess(child);
    const started = await service.waitForLog((line) => line.message === 'service started');
    const health = started.health as { port: number } | null;
    service.healthPort = health?.port ?? 0;
    return service;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for a log line that matches, from the start of the run; fails after timeoutMs. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(match);
      if (found) {
        return found;
      }
      if (this.exitCode !== null || this.signal !== null) {
        throw new Error(`the service exited (${this.exitCode ?? this.signal}) before the expected log line\n${this.stderrTail}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`no matching log line within ${timeoutMs} ms\n${this.stderrTail}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Counts log lines that match. */
  count(match: (line: LogLine) => boolean): number {
    return this.logs.filter(match).length;
  }

  async get(path: string): Promise<{ status: number; body: string }> {
    const response = await fetch(`http://127.0.0.1:${this.healthPort}${path}`);
    return { status: response.status, body: await response.text() };
  }

  /** Sends a signal and waits for the exit; returns the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000): Promise<number | null> {
    if (this.exitCode === null && this.signal === null) {
      this.child.kill(signal);
    }
    const timer = new Promise((_, reject) => setTimeout(() => reject(new Error(`the service did not exit within ${timeoutMs} ms of ${signal}\n${this.stderrTail}`)), timeoutMs).unref());
    await Promise.race([this.exited, timer]);
    return this.exitCode;
  }

  get stderr(): string {
    return this.stderrTail;
  }
}
