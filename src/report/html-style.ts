// The stylesheet of the HTML report, inline so the file needs nothing else.
// Colours print too (print-color-adjust), and in print every host section
// with details starts a new page while short ones are kept whole.

export const HTML_STYLE = `
:root { --ok: #2e7d32; --accepted: #f9a825; --drift: #c62828; --unchecked: #757575; --absent: #e0e0e0; --line: #d0d0d0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1b1b1b; margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 2px solid #1b1b1b; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 6px; }
p { margin: 6px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #f3f3f3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
.mono { word-break: break-all; }
.meta { color: #555; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.status-compliant { background: var(--ok); }
.status-compliant-with-exceptions { background: var(--accepted); color: #1b1b1b; }
.status-non-compliant { background: var(--drift); }
.status-not-evaluated { background: var(--unchecked); }
.rate { font-size: 18px; font-weight: 600; }
.legend span { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin-right: 4px; border: 1px solid #999; }
section.host { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin: 12px 0; }
svg.timeline { width: 100%; height: 22px; display: block; }
.axis { display: flex; justify-content: space-between; color: #555; font-size: 11px; }
svg.summary-chart { width: 100%; max-width: 720px; height: 44px; display: block; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { size: A4 landscape; margin: 12mm; }
  h2 { break-after: avoid; }
  #hosts { break-before: page; }
  section.host { break-inside: avoid; }
  section.host.detailed { break-before: page; }
  table { font-size: 10px; }
  tr { break-inside: avoid; }
}
`;
