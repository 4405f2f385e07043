// TLS policy against the simulator's HTTPS mode, whose certificate is
// self-signed for 127.0.0.1. Verification is on by default. tls.caFile and
// tls.thumbprintSha256 each make the certificate trusted, and a wrong pin
// fails before any request is sent. tls.insecure works but warns on each poll.
import { expect } from 'chai';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { logLines } from '../helpers/database-state.js';
import { startSimulator, type Simulator } from '../helpers/vcsim.js';

interface PollJson {
  polls: { outcome: string; error: string | null; hostsSeen: number }[];
}

const INSECURE_POLL_WARNING = 'TLS certificate verification is off for this vCenter (tls.insecure in the config)';

/** Returns fingerprint with its first hex digit changed, so it is well-formed but wrong. */
function wrongFingerprint(fingerprint: string): string {
  const first = fingerprint[0] === 'A' ? 'B' : 'A';
  return first + fingerprint.slice(1);
}

/** Creates a workspace for the simulator with one baseline and these extra vcenter keys. */
function workspace(sim: Simulator, vcenter: Record<string, unknown> = {}): Workspace {
  return new Workspace(sim, { baselines: { 'b.json': baselineDocument() }, vcenter });
}

describe('TLS to vCenter', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let hostCount: number;

  before(async () => {
    sim = await startSimulator({ tls: true, clusters: 1, clusterHosts: 2, standalone: 1 });
    hostCount = (await sim.listHosts()).length;
  });

  beforeEach(async () => {
    await sim.resetStats();
  });

  after(async () => {
    await sim?.stop();
  });

  it('serves HTTPS with a fingerprint', () => {
    expect(sim.url).to.match(/^https:\/\/127\.0\.0\.1:\d+\/sdk$/);
    expect(sim.certSha256).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  describe('when verification is on by default', () => {
    it('rejects the self-signed certificate', async () => {
      const ws = workspace(sim);
      const { code, body, stderr } = await ws.json<PollJson>('poll');
      const poll = body.polls[0]!;
      expect(code, stderr).to.equal(3);
      expect(poll.outcome).to.equal('failed');
      expect(poll.error).to.contain('RetrieveServiceContent on vCenter sim');
      expect(poll.error).to.contain('the TLS certificate is not trusted');
      expect(poll.error).to.contain('tls.caFile');
      expect(poll.error).to.contain('tls.thumbprintSha256');
    });

    it('sends no request to the server', async () => {
      const ws = workspace(sim);
      await ws.run('poll');
      expect(await sim.stats()).to.deep.equal({});
    });
  });

  describe('when tls.caFile names the certificate', () => {
    it('polls every host', async () => {
      const ws = workspace(sim, { tls: { caFile: sim.certFile } });
      const { code, body, stderr } = await ws.json<PollJson>('poll');
      expect(code, stderr).to.be.oneOf([0, 1]);
      expect(body.polls[0]!.outcome).to.equal('complete');
      expect(body.polls[0]!.hostsSeen).to.equal(hostCount);
    });
  });

  describe('when tls.thumbprintSha256 pins the certificate', () => {
    it('accepts the uppercase colon form', async () => {
      const ws = workspace(sim, { tls: { thumbprintSha256: sim.certSha256 } });
      const { code, body, stderr } = await ws.json<PollJson>('poll');
      expect(code, stderr).to.be.oneOf([0, 1]);
      expect(body.polls[0]!.outcome).to.equal('complete');
      expect(body.polls[0]!.hostsSeen).to.equal(hostCount);
    });

    it('accepts lowercase without colons', async () => {
      const bare = sim.certSha256!.replace(/:/g, '').toLowerCase();
      const ws = workspace(sim, { tls: { thumbprintSha256: bare } });
      const { code, body, stderr } = await ws.json<PollJson>('poll');
      expect(code, stderr).to.be.oneOf([0, 1]);
      expect(body.polls[0]!.outcome).to.equal('complete');
      expect(body.polls[0]!.hostsSeen).to.equal(hostCount);
    });

    it('overrides tls.insecure and tls.caFile', async () => {
      const ws = workspace(sim, { tls: { thumbprintSha256: wrongFingerprint(sim.certSha256!), insecure: true, caFile: sim.certFile } });
      const { code, body, stderr } = await ws.json<PollJson>('poll');
      expect(code, stderr).to.equal(3);
      expect(body.polls[0]!.outcome).to.equal('failed');
      expect(body.polls[0]!.error).to.contain('certificate fingerprint mismatch');
    });
  });

  describe('when tls.thumbprintSha256 is wrong', () => {
    let result: { code: number | null; body: PollJson; stderr: string };
    let stats: Record<string, number>;
    let expected: string;

    before(async () => {
      expected = wrongFingerprint(sim.certSha256!);
      await sim.resetStats();
      const ws = workspace(sim, { tls: { thumbprintSha256: expected } });
      result = await ws.json<PollJson>('poll');
      stats = await sim.stats();
    });

    it('fails the poll closed', () => {
      expect(result.code, result.stderr).to.equal(3);
      expect(result.body.polls[0]!.outcome).to.equal('failed');
      expect(result.body.polls[0]!.hostsSeen).to.equal(0);
    });

    it('names both fingerprints', () => {
      const error = result.body.polls[0]!.error;
      expect(error).to.contain(`expected SHA-256 ${expected}`);
      expect(error).to.contain(`the server presented ${sim.certSha256}`);
    });

    it('fails on RetrieveServiceContent', () => {
      expect(result.body.polls[0]!.error).to.contain('RetrieveServiceContent on vCenter sim');
    });

    it('never sends Login', () => {
      expect(stats.Login ?? 0).to.equal(0);
    });

    it('sends no request at all', () => {
      expect(stats).to.deep.equal({});
    });
  });

  describe('when tls.insecure is true', () => {
    let ws: Workspace;

    before(() => {
      ws = workspace(sim, { tls: { insecure: true } });
    });

    it('polls every host', async () => {
      const { code, body, stderr } = await ws.json<PollJson>('poll');
      expect(code, stderr).to.be.oneOf([0, 1]);
      expect(body.polls[0]!.outcome).to.equal('complete');
      expect(body.polls[0]!.hostsSeen).to.equal(hostCount);
    });

    it('warns once on every poll', async () => {
      for (let poll = 1; poll <= 2; poll += 1) {
        const { code, stderr } = await ws.run('poll');
        expect(code, stderr).to.be.oneOf([0, 1]);
        const warnings = logLines(stderr).filter((line) => line.level === 'warn' && line.message === INSECURE_POLL_WARNING);
        expect(warnings, `poll ${poll}: ${stderr}`).to.have.length(1);
        expect(warnings[0]!.vcenter).to.equal('sim');
      }
    });

    it('warns about the config key', async () => {
      const { stderr } = await ws.run('poll');
      const configWarnings = logLines(stderr).filter(
        (line) => line.level === 'warn' && String(line.message).includes('vcenters[0].tls.insecure'),
      );
      expect(configWarnings, stderr).to.have.length(1);
    });
  });
});
