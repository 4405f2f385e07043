// Destinations of a rendered report, written chunk by chunk, so that no
// renderer keeps a whole report in memory.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface TextSink {
  write(text: string): void;
}

const FLUSH_BYTES = 64 * 1024;

/**
 * Writes to a file through a temporary file beside it, renamed into place by
 * `commit`, so a report that fails halfway never leaves a truncated file
 * under the requested name.
 */
export class FileSink implements TextSink {
  private readonly temporary: string;
  private readonly fd: number;
  private buffer = '';

  constructor(private readonly path: string) {
    this.temporary = `${path}.${process.pid}.tmp`;
    this.fd = openSync(this.temporary, 'w', 0o600);
  }

  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_BYTES) {
      this.flush();
    }
  }

  commit(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.temporary, this.path);
  }

  /** Closes and deletes the temporary file, for a report that failed. */
  discard(): void {
    closeSync(this.fd);
    rmSync(this.temporary, { force: true });
  }

  private flush(): void {
    if (this.buffer.length > 0) {
      writeSync(this.fd, this.buffer);
      this.buffer = '';
    }
  }
}

/**
 * Collects text and passes it on in pieces that end with a newline, for an
 * output function such as CommandIo.out that adds a newline to text without
 * one. Rendered reports end with a newline, so `end` passes the rest on
 * unchanged.
 */
export class LineSink implements TextSink {
  private buffer = '';

  constructor(private readonly out: (text: string) => void) {}

  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_BYTES) {
      const cut = this.buffer.lastIndexOf('\n') + 1;
      if (cut > 0) {
        this.out(this.buffer.slice(0, cut));
        this.buffer = this.buffer.slice(cut);
      }
    }
  }

  end(): void {
    if (this.buffer.length > 0) {
      this.out(this.buffer);
      this.buffer = '';
    }
  }
}
