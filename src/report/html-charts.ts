// Inline SVG charts of the HTML report: the summary bar and a timeline per
// host. Colours are fixed per status, and every label and tooltip is escaped.
import { TIMELINE_LABELS } from './labels.js';
import type { Period, Summary, TimelineSegment, TimelineStatus } from './types.js';

export const TIMELINE_COLOURS: Record<TimelineStatus, string> = {
  compliant: '#2e7d32',
  accepted: '#f9a825',
  drifted: '#c62828',
  'not-checked': '#757575',
  absent: '#e0e0e0',
};

/** Draws a stacked bar of compliant, compliant with exceptions, non-compliant and not evaluated hosts. */
export function summaryChart(summary: Summary): string {
  const parts: [string, number, string][] = [
    ['compliant', summary.compliant, TIMELINE_COLOURS.compliant],
    ['compliant with exceptions', summary.compliantWithExceptions, TIMELINE_COLOURS.accepted],
    ['non-compliant', summary.nonCompliant, TIMELINE_COLOURS.drifted],
    ['not evaluated', summary.notEvaluated, TIMELINE_COLOURS['not-checked']],
  ];
  const total = summary.hostsInScope;
  const label = parts.map(([name, count]) => `${count} ${name}`).join(', ');
  let x = 0;
  const bars = parts.map(([name, count, colour]) => {
    const width = total === 0 ? 0 : (count / total) * 1000;
    const bar = `<rect x="${fixed(x)}" y="0" width="${fixed(width)}" height="40" fill="${colour}"><title>${escapeHtml(`${count} ${name}`)}</title></rect>`;
    x += width;
    return bar;
  });
  const empty = total === 0 ? '<rect x="0" y="0" width="1000" height="40" fill="#e0e0e0"/>' : '';
  return `<svg class="summary-chart" viewBox="0 0 1000 40" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(`hosts in scope: ${label}`)}">${empty}${bars.join('')}</svg>`;
}

/** Draws one host's period as coloured segments, with the status and times as tooltips. */
export function timelineChart(segments: readonly TimelineSegment[], period: Period): string {
  const start = Date.parse(period.from);
  const span = Math.max(1, Date.parse(period.to) - start);
  const rects = segments.map((segment) => {
    const x = ((Date.parse(segment.from) - start) / span) * 1000;
    const width = ((Date.parse(segment.to) - Date.parse(segment.from)) / span) * 1000;
    const tip = `${TIMELINE_LABELS[segment.status]} from ${segment.from} to ${segment.to}`;
    return `<rect x="${fixed(x)}" y="0" width="${fixed(Math.max(width, 0.5))}" height="20" fill="${TIMELINE_COLOURS[segment.status]}"><title>${escapeHtml(tip)}</title></rect>`;
  });
  const label = segments.map((segment) => `${TIMELINE_LABELS[segment.status]} ${segment.from} to ${segment.to}`).join('; ');
  return `<svg class="timeline" viewBox="0 0 1000 20" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(label)}">${rects.join('')}</svg>`;
}

export function timelineLegend(): string {
  const items = (Object.keys(TIMELINE_COLOURS) as TimelineStatus[]).map(
    (status) => `<span><span class="swatch" style="background:${TIMELINE_COLOURS[status]}"></span>${escapeHtml(TIMELINE_LABELS[status])}</span>`,
  );
  return `<p class="legend">${items.join('')}</p>`;
}

/** Rounds an SVG coordinate to two decimals, so the output does not depend on float printing. */
function fixed(value: number): string {
  return (Math.round(value * 100) / 100).toString();
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}
