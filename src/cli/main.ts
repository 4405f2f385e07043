// Entry point of the vdrift command. Commands return an exit code or throw
// ExitError; only this file turns that into the process's exit status. It
// sets process.exitCode rather than calling process.exit so that output
// piped to another program is flushed first.
import { processIo } from './io.js';
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), processIo());
