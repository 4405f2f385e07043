import { extname, resolve } from 'node:path';
import { buildReport } from '../../report/build.js';
import { parseReportTime, reportPeriod } from '../../report/period.js';
import { renderCsv } from '../../report/render-csv.js';
import { renderHtml } from '../../report/render-html.js';
import { renderJson } from '../../report/render-json.js';
import { renderMarkdown } from '../../report/render-markdown.js';
import { FileSink, LineSink, type TextSink } from '../../report/sink.js';
import type { Report } from '../../report/types.js';
import { CONFIG_OPTION, parseCommandArgs } from '../args.js';
import { loadContext, withStore } from '../context.js';
import { EXIT, ExitError, UsageError } from '../exit-error.js';
import type { CommandIo } from '../io.js';

export const REPORT_HELP = `vdrift report --from DATE --to DATE [--format html|csv|json|md] [--out FILE]
              [--vcenter NAME...] [--cluster NAME...] [--host PATTERN...] [--config PATH]
  Writes a compliance report for the period from the database, without
  polling: hosts in scope with the counts behind the compliance rate, each
  host's differences from its baseline at the end of the period, findings
  opened, escalated and resolved with their durations, poll coverage per
  vCenter, the baseline versions in force and the snapshot hashes and poll
  ids that let anyone check the report against the database.
  DATE is an ISO 8601 date, read as UTC, or a date-time with a time zone.
  A date in --to includes that whole day. --format defaults to the
  extension of --out, else md. --out defaults to stdout. --vcenter,
  --cluster and --host (a name pattern with * and ?) may repeat, and a host
  must match one value of each option given.`;

const RENDERERS: Record<string, (report: Report, sink: TextSink) => void> = {
  html: renderHtml,
  csv: renderCsv,
  json: renderJson,
  md: renderMarkdown,
};

export async function reportCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('report', args, {
    ...CONFIG_OPTION,
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    vcenter: { type: 'string', multiple: true },
    cluster: { type: 'string', multiple: true },
    host: { type: 'string', multiple: true },
  });
  const generatedAt = new Date().toISOString();
  const from = requiredTime(values.from, '--from', 'start');
  const to = requiredTime(values.to, '--to', 'end');
  const period = reportPeriod(from, to, generatedAt);
  if (!period) {
    throw new UsageError(`vdrift report: the period from ${from} to ${to} is empty; --to must be later than --from and than the first instant of --from`);
  }
  const format = values.format ?? formatOf(values.out);
  const render = RENDERERS[format];
  if (!render) {
    throw new UsageError(`vdrift report: --format ${JSON.stringify(format)} is not one of html, csv, json, md`);
  }
  const context = await loadContext(values.config, io, false);
  const filters = { vcenters: values.vcenter ?? [], clusters: values.cluster ?? [], hosts: values.host ?? [] };
  const options = { period, generatedAt, filters, schedule: context.config.service.schedule, configuredVcenters: context.config.vcenters.map((vcenter) => vcenter.name) };
  return withStore(context, (store) =>
    // Building and rendering are synchronous, so one read transaction spans both passes over the hosts.
    store.reports.consistently(() => {
      const report = buildReport(store, options);
      const filtered = filters.vcenters.length + filters.clusters.length + filters.hosts.length > 0;
      if (filtered && report.header.summary.hostsInScope === 0) {
        io.err('warning: no host in the database matches the --vcenter, --cluster and --host options, so the report covers no host');
      }
      if (values.out === undefined) {
        const sink = new LineSink((text) => io.out(text));
        render(report, sink);
        sink.end();
      } else {
        writeFile(resolve(io.cwd, values.out), (sink) => render(report, sink));
      }
      return EXIT.ok;
    }),
  );
}

function requiredTime(text: string | undefined, option: string, edge: 'start' | 'end'): string {
  if (text === undefined) {
    throw new UsageError(`vdrift report: ${option} DATE is required, for example ${option} 2026-05-01`);
  }
  const time = parseReportTime(text, edge);
  if (time === null) {
    throw new UsageError(`vdrift report: ${option} ${JSON.stringify(text)} is not an ISO 8601 date such as 2026-05-01 or a date-time with a time zone such as 2026-05-01T08:00:00Z`);
  }
  return time;
}

/** Picks the format from the extension of --out, or Markdown when there is no --out or no extension. */
function formatOf(out: string | undefined): string {
  const extension = out === undefined ? '' : extname(out).slice(1).toLowerCase();
  if (extension === '') {
    return 'md';
  }
  const aliases: Record<string, string> = { htm: 'html', markdown: 'md' };
  const format = aliases[extension] ?? extension;
  if (!(format in RENDERERS)) {
    throw new UsageError(`vdrift report: cannot tell the format from the extension of --out ${JSON.stringify(out)}; use .html, .csv, .json or .md, or give --format`);
  }
  return format;
}

function writeFile(path: string, write: (sink: TextSink) => void): void {
  let sink: FileSink;
  try {
    sink = new FileSink(path);
  } catch (err) {
    throw new ExitError(`vdrift report: cannot write ${path}: ${(err as Error).message}`, EXIT.usage);
  }
  try {
    write(sink);
  } catch (err) {
    sink.discard();
    throw err;
  }
  sink.commit();
}
