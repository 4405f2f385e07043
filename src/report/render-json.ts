// The report as one JSON document (schemas/report.schema.json), written
// host by host. Keys come in a fixed order and every list is sorted, so the
// same database and options give the same bytes apart from generatedAt.
import type { TextSink } from './sink.js';
import type { Report } from './types.js';

export function renderJson(report: Report, sink: TextSink): void {
  sink.write('{\n');
  for (const [key, value] of Object.entries(report.header)) {
    sink.write(`  ${JSON.stringify(key)}: ${indented(value, '  ')},\n`);
  }
  sink.write('  "hosts": [');
  let count = 0;
  for (const host of report.hosts()) {
    sink.write(`${count === 0 ? '\n' : ',\n'}    ${indented(host, '    ')}`);
    count += 1;
  }
  sink.write(count === 0 ? ']\n}\n' : '\n  ]\n}\n');
}

// JSON.stringify escapes line breaks inside strings, so every newline in its
// output separates members and can take the indent.
function indented(value: unknown, indent: string): string {
  return JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`);
}
