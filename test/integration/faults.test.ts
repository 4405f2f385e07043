// A vCenter that misbehaves ends every poll in a truthful outcome: sessions
// are renewed once, partial reads are kept as incomplete polls, transient
// failures are retried, and nothing is concluded from an unverified answer.
import { expect } from 'chai';
import net from 'node:net';
import { Workspace, baselineDocument } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startSimulator, type Simulator } from '../helpers/vcsim.js';

interface PollJson {
  polls: { vcenter: string; outcome: string; error: string | null; hostsSeen: number; roundTrips: number }[];
  findings: { fingerprint: string; host: string; rule: string; status: string; lastSeen: string }[];
}

const RESTRICTED = baselineDocument({ rulesetDefaults: { allowedHosts: { mode: 'restricted' } }, rulesets: { sshServer: { management: true } } });

describe('polls against a misbehaving vCenter', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let proxy: FaultProxy;

  before(async () => {
    sim = await startSimulator({ clusters: 2, clusterHosts: 3, standalone: 1 });
  });

  beforeEach(async () => {
    proxy = await startFaultProxy(sim.url);
  });

  afterEach(async () => {
    await proxy.stop();
  });

  after(async () => {
    await sim?.stop();
  });

  function workspace(extra: Record<string, unknown> = {}): Workspace {
    return new Workspace(sim, { baselines: { 'b.json': RESTRICTED }, vcenter: { url: proxy.url, ...extra } });
  }

  /** Polls once without faults, so the database knows every host and its findings. */
  async function settled(ws: Workspace): Promise<PollJson> {
    const { body } = await ws.json<PollJson>('poll');
    expect(body.polls[0]!.outcome).to.equal('complete');
    proxy.clearCalls();
    return body;
  }

  function openFingerprints(body: PollJson): string[] {
    return body.findings.map((f) => f.fingerprint).sort();
  }

  describe('when the session expired', () => {
    it('logs in again after NotAuthenticated', async () => {
      const ws = workspace();
      proxy.addRule({ method: 'CreateContainerView', nth: 1, action: { kind: 'fault', faultName: 'NotAuthenticated' } });
      const { code, body } = await ws.json<PollJson>('poll');
      expect(code).to.equal(1);
      expect(body.polls[0]!.outcome).to.equal('complete');
      expect(body.polls[0]!.hostsSeen).to.equal(7);
      expect(proxy.count('Login')).to.equal(2);
    });

    it('retries an empty answer after login', async () => {
      const ws = workspace();
      const before = await settled(ws);
      proxy.addRule({ method: 'RetrievePropertiesEx', nth: 1, action: { kind: 'emptyResult' } });
      const { body } = await ws.json<PollJson>('poll');
      expect(body.polls[0]!.outcome).to.equal('complete');
      expect(body.polls[0]!.hostsSeen).to.equal(7);
      expect(proxy.count('Login')).to.equal(2);
      expect(openFingerprints(body)).to.deep.equal(openFingerprints(before));
    });

    it('retries missingSet NotAuthenticated after login', async () => {
      const ws = workspace();
      const before = await settled(ws);
      proxy.addRule({ method: 'RetrievePropertiesEx', nth: 1, action: { kind: 'missingNotAuthenticated' } });
      const { body } = await ws.json<PollJson>('poll');
      expect(body.polls[0]!.outcome).to.equal('complete');
      expect(proxy.count('Login')).to.equal(2);
      expect(openFingerprints(body)).to.deep.equal(openFingerprints(before));
    });

    it('disbelieves a repeated empty answer', async () => {
      const ws = workspace();
      const before = await settled(ws);
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'emptyResult' } });
      const { code, body } = await ws.json<PollJson>('poll');
      expect(code).to.equal(3);
      expect(body.polls[0]!.outcome).to.equal('failed');
      expect(body.polls[0]!.error).to.contain('returned no hosts although earlier polls saw 7');
      expect(proxy.count('Login')).to.equal(2);
      expect(openFingerprints(body)).to.deep.equal(openFingerprints(before));
    });

    it('fails after a second NotAuthenticated', async () => {
      const ws = workspace();
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'fault', faultName: 'NotAuthenticated' } });
      const { code, body } = await ws.json<PollJson>('poll');
      expect(code).to.equal(3);
      expect(body.polls[0]!.error).to.contain('NotAuthenticated');
      expect(proxy.count('Login')).to.equal(2);
    });
  });

  describe('when paging stops midway', () => {
    it('keeps unseen hosts and their findings', async () => {
      const ws = workspace({ maxObjects: 2 });
      const before = await settled(ws);
      proxy.addRule({ method: 'ContinueRetrievePropertiesEx', nth: 2, action: { kind: 'fault', faultName: 'SystemError', message: 'injected' } });
      const { code, body } = await ws.json<PollJson>('poll');
      expect(code).to.equal(3);
      expect(body.polls[0]!.outcome).to.equal('incomplete');
      expect(body.polls[0]!.error).to.contain('SystemError');
      expect(body.polls[0]!.hostsSeen).to.be.within(1, 6);
      expect(openFingerprints(body)).to.deep.equal(openFingerprints(before));
      const history = await ws.json<{ findings: { status: string }[] }>('findings', '--all');
      expect(history.body.findings.filter((f) => f.status === 'resolved')).to.deep.equal([]);
    });

    it('keeps hosts after a cut page', async () => {
      const ws = workspace({ maxObjects: 2 });
      const before = await settled(ws);
      proxy.addRule({ method: 'ContinueRetrievePropertiesEx', nth: 1, action: { kind: 'cut', afterBytes: 2000 } });
      const { body } = await ws.json<PollJson>('poll');
      expect(body.polls[0]!.outcome).to.equal('incomplete');
      expect(openFingerprints(body)).to.deep.equal(openFingerprints(before));
    });
  });

  describe('when the transport fails', () => {
    it('retries 503 after Retry-After', async () => {
      const ws = workspace();
      ws.env.VDRIFT_LOG_LEVEL = 'warn';
      proxy.addRule({ method: 'RetrievePropertiesEx', nth: 1, action: { kind: 'status', status: 503, headers: { 'Retry-After': '1' } } });
      const result = await ws.run('poll', '--json');
      const body = JSON.parse(result.stdout) as PollJson;
      expect(body.polls[0]!.outcome).to.equal('complete');
      expect(proxy.count('RetrievePropertiesEx')).to.equal(2);
      const retries = result.stderr.split('\n').filter((line) => line.includes('retrying a failed vCenter call'));
      expect(retries).to.have.length(1);
      expect(JSON.parse(retries[0]!)).to.include({ method: 'RetrievePropertiesEx', delayMs: 1000, attempt: 1 });
    });

    it('gives up on a Retry-After beyond the cap', async () => {
      const ws = workspace();
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'status', status: 429, headers: { 'Retry-After': '3600' } } });
      const { body } = await ws.json<PollJson>('poll');
      expect(body.polls[0]!.outcome).to.equal('failed');
      expect(body.polls[0]!.error).to.contain('HTTP 429');
      expect(proxy.count('RetrievePropertiesEx')).to.equal(1);
    });

    it('describes an HTML error page', async () => {
      const ws = workspace();
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'html', status: 502 } });
      const { code, body, stderr } = await ws.json<PollJson>('poll');
      expect(code).to.equal(3);
      const error = body.polls[0]!.error!;
      expect(error).to.contain('HTTP 502');
      expect(error).to.contain('text/html');
      expect(error).to.match(/first bytes "<(!DOCTYPE|html)/i);
      expect(proxy.count('RetrievePropertiesEx')).to.equal(3);
      expect(stderr).to.not.match(/\n\s+at /);
    });

    it('describes a truncated body', async () => {
      const ws = workspace();
      proxy.addRule({ method: 'RetrieveServiceContent', action: { kind: 'truncate', bytes: 300 } });
      const { body, stderr } = await ws.json<PollJson>('poll');
      const error = body.polls[0]!.error!;
      expect(error).to.contain('incomplete or malformed after 300 bytes');
      expect(error).to.contain('status 200');
      expect(error).to.contain('text/xml');
      expect(stderr).to.not.match(/\n\s+at /);
    });

    it('times out a stalled response', async () => {
      const ws = workspace({ timeoutSeconds: 1 });
      proxy.addRule({ method: 'RetrievePropertiesEx', nth: 1, action: { kind: 'delayBody', ms: 5000, afterBytes: 100 } });
      const { body } = await ws.json<PollJson>('poll');
      // The first bytes reached no object, so the timed-out call is retried and the poll completes.
      expect(body.polls[0]!.outcome).to.equal('complete');
      expect(proxy.count('RetrievePropertiesEx')).to.equal(2);
    });

    it('times out a stalled TLS handshake', async () => {
      const silent = net.createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as net.AddressInfo).port;
      try {
        const ws = new Workspace(sim, { baselines: { 'b.json': RESTRICTED }, vcenter: { url: `https://127.0.0.1:${port}/sdk`, connectTimeoutSeconds: 0.3 } });
        const { body } = await ws.json<PollJson>('poll');
        expect(body.polls[0]!.outcome).to.equal('failed');
        expect(body.polls[0]!.error).to.contain('connecting took longer than 300 ms');
      } finally {
        silent.close();
      }
    });

    it('polls the others when one fails', async () => {
      const ws = workspace();
      ws.writeConfig({
        database: './vdrift.db',
        baselines: './baselines',
        vcenters: [
          { name: 'down', url: 'http://127.0.0.1:9/sdk', username: 'user', passwordEnv: 'VDRIFT_TEST_PASSWORD', connectTimeoutSeconds: 1 },
          { name: 'up', url: proxy.url, username: sim.username, passwordEnv: 'VDRIFT_TEST_PASSWORD' },
        ],
      });
      const { code, body } = await ws.json<PollJson>('poll');
      expect(code).to.equal(3);
      expect(body.polls.map((p) => `${p.vcenter} ${p.outcome}`)).to.deep.equal(['down failed', 'up complete']);
      expect(body.polls[0]!.error).to.contain('ECONNREFUSED');
    });
  });
});
