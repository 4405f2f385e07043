import { expect } from 'chai';
import { escapeHtml } from '../../src/report/html-charts.js';
import { formatDuration } from '../../src/report/labels.js';
import { parseReportTime, reportPeriod } from '../../src/report/period.js';
import { csvField } from '../../src/report/render-csv.js';
import { md } from '../../src/report/render-markdown.js';

describe('csvField', () => {
  it('leaves plain text unquoted', () => {
    expect(csvField('esx01.example.com')).to.equal('esx01.example.com');
  });

  it('quotes a comma', () => {
    expect(csvField('a,b')).to.equal('"a,b"');
  });

  it('doubles quotes', () => {
    expect(csvField('say "hi"')).to.equal('"say ""hi"""');
  });

  it('quotes line breaks', () => {
    expect(csvField('a\r\nb')).to.equal('"a\r\nb"');
  });

  for (const start of ['=', '+', '-', '@']) {
    it(`guards a cell starting with ${start}`, () => {
      expect(csvField(`${start}1+1`)).to.equal(`'${start}1+1`);
    });
  }

  it('guards and quotes a formula with a comma', () => {
    expect(csvField('=HYPERLINK("x","y")')).to.equal(`"'=HYPERLINK(""x"",""y"")"`);
  });

  it('writes null as empty', () => {
    expect(csvField(null)).to.equal('');
  });
});

describe('escaping', () => {
  it('escapes HTML special characters', () => {
    expect(escapeHtml(`<script>alert('x')</script> & "q"`)).to.equal('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;');
  });

  it('escapes Markdown and HTML', () => {
    expect(md('<b>*a*|_b_`c`</b>')).to.equal('&lt;b&gt;\\*a\\*\\|\\_b\\_\\`c\\`&lt;/b&gt;');
  });

  it('folds line breaks in Markdown', () => {
    expect(md('a\nb')).to.equal('a b');
  });
});

describe('formatDuration', () => {
  it('shows the two largest units', () => {
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 5)).to.equal('3 d 4 h');
  });

  it('drops a zero second unit', () => {
    expect(formatDuration(3600)).to.equal('1 h');
  });

  it('shows zero seconds', () => {
    expect(formatDuration(0)).to.equal('0 s');
  });
});

describe('report period', () => {
  it('reads a date as UTC midnight', () => {
    expect(parseReportTime('2026-05-01', 'start')).to.equal('2026-05-01T00:00:00.000Z');
  });

  it('ends a date at the next midnight', () => {
    expect(parseReportTime('2026-05-31', 'end')).to.equal('2026-06-01T00:00:00.000Z');
  });

  it('converts a zoned time to UTC', () => {
    expect(parseReportTime('2026-05-01T10:00:00+02:00', 'start')).to.equal('2026-05-01T08:00:00.000Z');
  });

  it('rejects a time without a zone', () => {
    expect(parseReportTime('2026-05-01T10:00:00', 'start')).to.equal(null);
  });

  it('rejects an impossible date', () => {
    expect(parseReportTime('2026-02-30', 'start')).to.equal(null);
  });

  it('ends a future period now', () => {
    expect(reportPeriod('2026-05-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z')).to.deep.equal({
      from: '2026-05-01T00:00:00.000Z',
      to: '2026-06-01T00:00:00.000Z',
      endsAtGeneration: true,
    });
  });

  it('rejects an empty period', () => {
    expect(reportPeriod('2026-05-02T00:00:00.000Z', '2026-05-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z')).to.equal(null);
  });
});
