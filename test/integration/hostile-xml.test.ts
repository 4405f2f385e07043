// Hostile SOAP bodies, served by the fault proxy in place of the simulator's
// response: vdrift must reject each one with a message that names the problem,
// fail the poll without a stack trace, finish quickly, and leave what earlier
// polls stored untouched.
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { Workspace } from '../helpers/cli.js';
import { hasStackTrace, pollRows, starterBaseline, stateTables } from '../helpers/database-state.js';
import { hostileBodies, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startSimulator, type Simulator } from '../helpers/vcsim.js';

interface PollJson {
  polls: { vcenter: string; outcome: string; error: string | null; hostsSeen: number; hostsChecked: number }[];
  findings: { fingerprint: string }[];
}

interface HostileCase {
  name: string;
  body: () => string;
  /** Text the poll's error must contain: the decoder's or transport's own wording. */
  rejection: string;
  maxResponseMegabytes?: number;
}

const DOCTYPE_REJECTED = 'XML document type declarations are not accepted in SOAP responses';

const CASES: HostileCase[] = [
  { name: 'a document type declaration', body: () => hostileBodies.doctype(), rejection: DOCTYPE_REJECTED },
  { name: 'billion laughs', body: () => hostileBodies.billionLaughs(), rejection: DOCTYPE_REJECTED },
  { name: 'an external entity', body: () => hostileBodies.externalEntity(), rejection: DOCTYPE_REJECTED },
  { name: 'nesting 100,000 deep', body: () => hostileBodies.deepNesting(100_000), rejection: 'XML nesting exceeds the limit of 64 levels' },
  {
    name: 'a body over maxResponseMegabytes',
    body: () => hostileBodies.huge(5),
    rejection: `response body exceeds the limit of ${1024 * 1024} bytes`,
    maxResponseMegabytes: 1,
  },
];

/** Upper bound that only catches a hang or a runaway expansion, far below the mocha timeout. */
const HANG_LIMIT_MS = 20_000;

/** Every poll that loads a baseline stamps its version row with the load time, failed polls included. */
const LOAD_TIME = ['baseline_versions.last_loaded_at'];

describe('hostile XML from vCenter', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let proxy: FaultProxy;

  before(async () => {
    sim = await startSimulator({ clusters: 1, clusterHosts: 3, standalone: 1 });
    proxy = await startFaultProxy(sim.url);
  });

  afterEach(() => {
    proxy.clearRules();
  });

  after(async () => {
    await proxy?.stop();
    await sim?.stop();
  });

  for (const method of ['RetrievePropertiesEx', 'RetrieveServiceContent']) {
    describe(`when ${method} returns it`, () => {
      for (const hostile of CASES) {
        it(`rejects ${hostile.name}`, async () => {
          const ws = new Workspace(sim, {
            baselines: { 'esxi-hardened.json': starterBaseline() },
            vcenter: {
              url: proxy.url,
              ...(hostile.maxResponseMegabytes === undefined ? {} : { maxResponseMegabytes: hostile.maxResponseMegabytes }),
            },
          });

          const first = await ws.json<PollJson>('poll');
          expect(first.code, first.stderr).to.equal(1);
          expect(first.body.polls[0]!.outcome).to.equal('complete');
          const findingsBefore = await ws.json('findings');
          const tablesBefore = stateTables(ws.database, LOAD_TIME);
          const pollsBefore = pollRows(ws.database);

          proxy.addRule({ method, action: { kind: 'body', body: hostile.body() } });
          const started = performance.now();
          const hostilePoll = await ws.json<PollJson>('poll');
          const elapsedMs = performance.now() - started;
          proxy.clearRules();

          const poll = hostilePoll.body.polls[0]!;
          expect(hostilePoll.code, hostilePoll.stderr).to.equal(3);
          expect(poll.outcome, poll.error ?? '').to.equal('failed');
          expect(poll.error).to.contain(hostile.rejection);
          expect(poll.error).to.contain(`${method} on vCenter sim`);
          expect(poll.hostsSeen).to.equal(0);
          expect(hasStackTrace(hostilePoll.stderr), hostilePoll.stderr).to.equal(false);
          expect(hostilePoll.stderr).to.not.contain('unexpected error');
          expect(elapsedMs).to.be.below(HANG_LIMIT_MS);

          const findingsAfter = await ws.json('findings');
          expect(findingsAfter.body).to.deep.equal(findingsBefore.body);
          expect(stateTables(ws.database, LOAD_TIME)).to.deep.equal(tablesBefore);
          const pollsAfter = pollRows(ws.database);
          expect(pollsAfter.slice(0, -1)).to.deep.equal(pollsBefore);
          expect(pollsAfter.length).to.equal(pollsBefore.length + 1);
          expect(pollsAfter.at(-1)!.outcome).to.equal('failed');
        });
      }
    });
  }
});
