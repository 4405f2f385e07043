import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadExceptions, parseExpiry } from '../../src/config/exceptions.js';
import { tempDir } from '../setup.js';

const NOW = new Date('2026-12-04T12:00:00Z');

function folderWith(files: Record<string, unknown>): string {
  const folder = join(tempDir('exceptions'), 'exceptions');
  mkdirSync(folder);
  for (const [name, document] of Object.entries(files)) {
    writeFileSync(join(folder, name), JSON.stringify(document));
  }
  return folder;
}

const SSH = { id: 'RISK-1', host: 'esx07', ruleset: 'sshServer', rule: 'management-ruleset-allow-all', reason: 'vendor session', approvedBy: 'ciso', expires: '2027-01-31' };

function loadError(files: Record<string, unknown>): string {
  try {
    loadExceptions(folderWith(files), NOW);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('loadExceptions accepted the files');
}

describe('parseExpiry', () => {
  it('reads a date as through that day', () => {
    expect(parseExpiry('2027-01-31')).to.equal('2027-02-01T00:00:00.000Z');
  });

  it('keeps a date-time as given', () => {
    expect(parseExpiry('2027-01-31T08:00:00+02:00')).to.equal('2027-01-31T06:00:00.000Z');
  });

  it('rejects a time without zone', () => {
    expect(parseExpiry('2027-01-31T08:00:00')).to.equal(null);
  });
});

describe('loadExceptions', () => {
  it('loads a valid file', () => {
    const [entry] = loadExceptions(folderWith({ 'risks.json': { exceptions: [SSH] } }), NOW);
    expect(entry).to.include({ id: 'RISK-1', host: 'esx07', ruleset: 'sshServer', expiresAt: '2027-02-01T00:00:00.000Z' });
  });

  it('returns nothing without a folder', () => {
    expect(loadExceptions(join(tempDir('exceptions'), 'missing'), NOW)).to.deep.equal([]);
  });

  it('rejects an expired exception', () => {
    expect(loadError({ 'old.json': { exceptions: [{ ...SSH, expires: '2026-12-03' }] } })).to.contain('exception RISK-1 expired at 2026-12-04T00:00:00.000Z');
  });

  it('rejects an unknown key', () => {
    expect(loadError({ 'typo.json': { exceptions: [{ ...SSH, approvedby: 'ciso' }] } })).to.match(/typo\.json: .*approvedby/);
  });

  it('requires a ruleset for ruleset rules', () => {
    const { ruleset: _ruleset, ...hostWide } = SSH;
    expect(loadError({ 'no-ruleset.json': { exceptions: [hostWide] } })).to.contain('is required for rule management-ruleset-allow-all');
  });

  it('rejects an id defined twice', () => {
    const message = loadError({ 'a.json': { exceptions: [SSH] }, 'b.json': { exceptions: [SSH] } });
    expect(message).to.contain('exception RISK-1 is already defined in');
  });
});
