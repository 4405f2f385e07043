// Integration tests of the fault-injection proxy (test/helpers/fault-proxy.ts)
// in front of the vCenter simulator, and in front of a small echo server
// where a test must see exactly what the proxy forwards. Responses are checked
// as raw HTTP, with saxes for well-formedness and namespaces.
import { expect } from 'chai';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SaxesParser } from 'saxes';
import { hostileBodies, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { httpRequest, type HttpResponse } from '../helpers/http.js';
import { captureError } from '../helpers/raw-reads.js';
import { closedPort } from '../helpers/receivers.js';
import { startSimulator, type SimHost, type Simulator } from '../helpers/vcsim.js';
import { AdminClient, SoapFaultError, parseFault, type MoRef } from '../helpers/vsphere-admin.js';

const SIM_START_TIMEOUT_MS = 120_000;
const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
const MEBIBYTE = 1024 * 1024;

describe('fault proxy', () => {
  let sim: Simulator;
  let hosts: SimHost[];
  let proxy: FaultProxy;
  let admin: AdminClient;

  before(async function () {
    this.timeout(SIM_START_TIMEOUT_MS);
    sim = await startSimulator({ clusterHosts: 3, standalone: 1 });
    hosts = await sim.listHosts();
  });

  after(async () => {
    await sim?.stop();
  });

  beforeEach(async () => {
    proxy = await startFaultProxy(sim.url);
    admin = await AdminClient.login(proxy.url, sim.username, sim.password);
    proxy.clearCalls();
  });

  afterEach(async () => {
    await proxy?.stop();
  });

  /** Returns the host at index, failing the test when there is none. */
  function host(index: number): SimHost {
    const found = hosts[index];
    if (!found) throw new Error(`the simulator has no host at index ${index}`);
    return found;
  }

  /** Sends RetrievePropertiesEx for paths of the hosts at indexes through the proxy, with the session cookie. */
  function retrieveHosts(indexes: number[], paths: string[]): Promise<HttpResponse> {
    const moids = indexes.map((index) => host(index).moid);
    return soapRequest(proxy.url, 'RetrievePropertiesEx', admin.serviceContent.propertyCollector, retrieveSpec(moids, paths), {
      cookie: admin.sessionCookie,
    });
  }

  /** Sends RetrievePropertiesEx for the name of host 0 and returns the status of the response. */
  async function retrieveStatus(): Promise<number> {
    return (await retrieveHosts([0], ['name'])).status;
  }

  describe('forwarding', () => {
    it('serves the upstream path', () => {
      expect(proxy.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/sdk$/);
      expect(proxy.url).not.to.equal(sim.url);
    });

    it('logs in through the proxy', async () => {
      const client = await AdminClient.login(proxy.url, sim.username, sim.password);

      expect(client.sessionCookie).to.match(/^vmware_soap_session=/);
      expect(proxy.calls).to.deep.equal([
        { method: 'RetrieveServiceContent', status: 200, faulted: false },
        { method: 'Login', status: 200, faulted: false },
      ]);
    });

    it('keeps the session cookie', async () => {
      const withCookie = await retrieveHosts([0], ['name']);
      const withoutCookie = await soapRequest(
        proxy.url,
        'RetrievePropertiesEx',
        admin.serviceContent.propertyCollector,
        retrieveSpec([host(0).moid], ['name']),
      );

      expect(withCookie.body).to.contain(`>${host(0).name}</val></propSet>`);
      expect(withCookie.body).not.to.contain('<missingSet>');
      expect(withoutCookie.body).to.contain('<missingSet>');
    });

    it('counts calls by method', async () => {
      await retrieveHosts([0], ['name']);
      await retrieveHosts([1], ['name']);
      await admin.disableRuleset(host(1).firewallSystem, 'CIMSLP');

      expect(proxy.count('RetrievePropertiesEx')).to.equal(2);
      expect(proxy.count('DisableRuleset')).to.equal(1);
      expect(proxy.count('Login')).to.equal(0);
    });

    it('reuses a keep-alive connection', async () => {
      const before = proxy.connectionCount;

      await retrieveHosts([0], ['name']);
      await retrieveHosts([1], ['name']);
      await retrieveHosts([2], ['name']);

      expect(before).to.equal(1);
      expect(proxy.connectionCount).to.equal(1);
    });

    it('responds 502 when upstream is down', async () => {
      const port = await closedPort();
      const orphan = await startFaultProxy(`http://127.0.0.1:${port}/sdk`);
      try {
        const res = await httpRequest(orphan.url, { method: 'POST', body: soapEnvelope('Login', sessionManager(), '') });

        expect(res.status).to.equal(502);
        expect(res.body).to.contain('ECONNREFUSED');
        expect(orphan.calls[0]?.error).to.contain('ECONNREFUSED');
      } finally {
        await orphan.stop();
      }
    });

    it('rejects a non-loopback upstream', async () => {
      const error = await captureError(startFaultProxy('http://192.0.2.1/sdk'));

      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.contain('loopback');
    });
  });

  describe('forwarding to an echo server', () => {
    let echo: Server;
    let echoUrl: string;
    let echoProxy: FaultProxy;

    before(async () => {
      echo = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const received = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
          res.writeHead(201, 'Made Up', { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-upstream': 'echo' });
          res.end(JSON.stringify(received));
        });
      });
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/sdk`;
    });

    after(async () => {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    });

    beforeEach(async () => {
      echoProxy = await startFaultProxy(echoUrl);
    });

    afterEach(async () => {
      await echoProxy.stop();
    });

    it('forwards method, path and body', async () => {
      const body = soapEnvelope('RetrievePropertiesEx', { type: 'PropertyCollector', value: 'propertyCollector' }, '<x>é</x>');
      const res = await httpRequest(`${echoProxy.url}?a=1`, { method: 'POST', body });
      const received = JSON.parse(res.body) as { method: string; url: string; body: string };

      expect(received.method).to.equal('POST');
      expect(received.url).to.equal('/sdk?a=1');
      expect(received.body).to.equal(body);
      expect(echoProxy.calls[0]?.method).to.equal('RetrievePropertiesEx');
    });

    it('forwards SOAPAction and Cookie', async () => {
      const res = await httpRequest(echoProxy.url, {
        method: 'POST',
        headers: { soapaction: 'urn:vim25/7.0', cookie: 'vmware_soap_session=abc', 'content-type': 'text/xml' },
        body: '<a/>',
      });
      const headers = (JSON.parse(res.body) as { headers: IncomingHttpHeaders }).headers;

      expect(headers.soapaction).to.equal('urn:vim25/7.0');
      expect(headers.cookie).to.equal('vmware_soap_session=abc');
      expect(headers['content-type']).to.equal('text/xml');
      expect(headers.host).to.equal(new URL(echoUrl).host);
    });

    it('returns the upstream head', async () => {
      const res = await httpRequest(echoProxy.url, { method: 'POST', body: '<a/>' });

      expect(res.status).to.equal(201);
      expect(res.headers['set-cookie']).to.deep.equal(['a=1', 'b=2']);
      expect(res.headers['x-upstream']).to.equal('echo');
      expect(echoProxy.calls[0]).to.deep.equal({ method: '', status: 201, faulted: false });
    });
  });

  describe('over TLS', () => {
    let tlsSim: Simulator;

    before(async function () {
      this.timeout(SIM_START_TIMEOUT_MS);
      tlsSim = await startSimulator({ tls: true, clusters: 0, standalone: 1 });
    });

    after(async () => {
      await tlsSim?.stop();
    });

    it('forwards to an https upstream', async () => {
      const tlsProxy = await startFaultProxy(tlsSim.url, { ca: tlsSim.certPem });
      try {
        const client = await AdminClient.login(tlsProxy.url, tlsSim.username, tlsSim.password);

        expect(tlsProxy.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/sdk$/);
        expect(client.sessionCookie).to.match(/^vmware_soap_session=/);
        expect(tlsProxy.count('Login')).to.equal(1);
      } finally {
        await tlsProxy.stop();
      }
    });
  });

  describe('rules', () => {
    const unavailable = { kind: 'status', status: 503 } as const;

    it('fires only on the nth call', async () => {
      proxy.addRule({ method: 'RetrievePropertiesEx', nth: 2, action: unavailable });

      const statuses = [await retrieveStatus(), await retrieveStatus(), await retrieveStatus()];

      expect(statuses).to.deep.equal([200, 503, 200]);
    });

    it('fires times calls in a row', async () => {
      proxy.addRule({ method: 'RetrievePropertiesEx', times: 2, action: unavailable });

      const statuses = [await retrieveStatus(), await retrieveStatus(), await retrieveStatus()];

      expect(statuses).to.deep.equal([503, 503, 200]);
    });

    it('combines nth and times', async () => {
      proxy.addRule({ method: 'RetrievePropertiesEx', nth: 2, times: 2, action: unavailable });

      const statuses = [await retrieveStatus(), await retrieveStatus(), await retrieveStatus(), await retrieveStatus()];

      expect(statuses).to.deep.equal([200, 503, 503, 200]);
    });

    it('fires on every call by default', async () => {
      proxy.addRule({ action: unavailable });

      const statuses = [await retrieveStatus(), await retrieveStatus(), await retrieveStatus()];

      expect(statuses).to.deep.equal([503, 503, 503]);
    });

    it('matches only its SOAP method', async () => {
      proxy.addRule({ method: 'DisableRuleset', action: unavailable });

      expect(await retrieveStatus()).to.equal(200);
      expect(proxy.calls[0]?.faulted).to.equal(false);
    });

    it('counts from when it is added', async () => {
      await retrieveStatus();
      await retrieveStatus();
      proxy.addRule({ method: 'RetrievePropertiesEx', nth: 1, action: unavailable });

      expect(await retrieveStatus()).to.equal(503);
    });

    it('logs the rule of a faulted call', async () => {
      await retrieveStatus();
      const id = proxy.addRule({ method: 'RetrievePropertiesEx', action: unavailable });
      await retrieveStatus();

      expect(proxy.calls).to.deep.equal([
        { method: 'RetrievePropertiesEx', status: 200, faulted: false },
        { method: 'RetrievePropertiesEx', status: 503, faulted: true, ruleId: id },
      ]);
    });

    it('lets the earlier rule win', async () => {
      const first = proxy.addRule({ action: { kind: 'status', status: 429 } });
      proxy.addRule({ action: unavailable });

      expect(await retrieveStatus()).to.equal(429);
      expect(proxy.calls[0]?.ruleId).to.equal(first);
    });

    it('stops firing after removeRule', async () => {
      const id = proxy.addRule({ action: unavailable });
      const removed = proxy.removeRule(id);

      expect(removed).to.equal(true);
      expect(proxy.removeRule(id)).to.equal(false);
      expect(await retrieveStatus()).to.equal(200);
    });

    it('stops firing after clearRules', async () => {
      proxy.addRule({ action: unavailable });
      proxy.addRule({ method: 'RetrievePropertiesEx', action: unavailable });
      proxy.clearRules();

      expect(await retrieveStatus()).to.equal(200);
    });

    it('rejects an invalid rule', () => {
      expect(() => proxy.addRule({ nth: 0, action: unavailable })).to.throw(RangeError, 'nth');
      expect(() => proxy.addRule({ action: { kind: 'delay', ms: -1 } })).to.throw(RangeError, 'ms');
      expect(() => proxy.addRule({ action: { kind: 'status', status: 1000 } })).to.throw(RangeError, 'status');
      expect(() => proxy.addRule({ action: { kind: 'fault', faultName: 'Not Valid' } })).to.throw(TypeError, 'faultName');
    });
  });

  describe('delay', () => {
    it('delays the response head', async () => {
      const delayMs = 400;

      const undelayedStart = performance.now();
      await retrieveHosts([0], ['name']);
      const undelayed = performance.now() - undelayedStart;

      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'delay', ms: delayMs } });
      const delayedStart = performance.now();
      const res = await retrieveHosts([0], ['name']);
      const delayed = performance.now() - delayedStart;

      expect(res.status).to.equal(200);
      expect(delayed).to.be.at.least(delayMs);
      expect(delayed).to.be.greaterThan(undelayed);
    });
  });

  describe('delayBody', () => {
    it('pauses the body after afterBytes', async () => {
      const pauseMs = 400;
      const afterBytes = 200;
      const full = await retrieveHosts([0, 1], ['name', 'config.firewall']);
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'delayBody', ms: pauseMs, afterBytes } });

      const timed = await timedRetrieve(proxy.url, admin, [host(0).moid, host(1).moid], ['name', 'config.firewall']);
      const pause = longestPause(timed.events);

      expect(timed.status).to.equal(200);
      expect(timed.error).to.equal(undefined);
      expect(pause.bytesBefore).to.equal(afterBytes);
      // A lower bound with a margin, because the client may read the head
      // later than the proxy sent it, which shortens the measured gap.
      expect(pause.ms).to.be.at.least(pauseMs * 0.8);
      expect(timed.body).to.equal(full.body);
    });
  });

  describe('cut', () => {
    it('resets the client socket', async () => {
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'cut', afterBytes: 100 } });

      const error = await captureError(retrieveHosts([0], ['name']));

      expect((error as NodeJS.ErrnoException).code).to.equal('ECONNRESET');
    });

    it('sends afterBytes before the cut', async () => {
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'cut', afterBytes: 100 } });

      const timed = await timedRetrieve(proxy.url, admin, [host(0).moid], ['name']);

      expect(timed.status).to.equal(200);
      expect(Buffer.byteLength(timed.body)).to.equal(100);
      expect(timed.error?.message).to.equal('aborted');
      expect(proxy.calls[0]?.status).to.equal(200);
    });
  });

  describe('truncate', () => {
    it('ends a short 200 response', async () => {
      const full = await retrieveHosts([0], ['name']);
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'truncate', bytes: 120 } });

      const res = await retrieveHosts([0], ['name']);

      expect(res.status).to.equal(200);
      expect(Buffer.byteLength(res.body)).to.equal(120);
      expect(res.body).to.equal(full.body.slice(0, 120));
      expect(res.headers['content-length']).to.equal(undefined);
      expect(res.headers['transfer-encoding']).to.equal('chunked');
    });

    it('keeps the connection open', async () => {
      proxy.addRule({ method: 'RetrievePropertiesEx', nth: 1, action: { kind: 'truncate', bytes: 120 } });

      await retrieveHosts([0], ['name']);
      const next = await retrieveHosts([0], ['name']);

      expect(next.body).to.contain(`>${host(0).name}</val>`);
      expect(proxy.connectionCount).to.equal(1);
    });
  });

  describe('responses without upstream', () => {
    it('sends an HTML error page', async () => {
      await sim.resetStats();
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'html', status: 502 } });

      const res = await retrieveHosts([0], ['name']);

      expect(res.status).to.equal(502);
      expect(res.headers['content-type']).to.equal('text/html');
      expect(res.body).to.contain('<title>502 Bad Gateway</title>');
      expect(await sim.stats()).not.to.have.property('RetrievePropertiesEx');
    });

    it('sends 503 with Retry-After', async () => {
      proxy.addRule({ action: { kind: 'status', status: 503, headers: { 'Retry-After': '2' } } });

      const res = await retrieveHosts([0], ['name']);

      expect(res.status).to.equal(503);
      expect(res.headers['retry-after']).to.equal('2');
      expect(res.body).to.equal('');
    });

    it('sends 429 with a body', async () => {
      proxy.addRule({ action: { kind: 'status', status: 429, body: 'slow down' } });

      const res = await retrieveHosts([0], ['name']);

      expect(res.status).to.equal(429);
      expect(res.headers['content-type']).to.equal('text/plain');
      expect(res.body).to.equal('slow down');
    });

    it('sends a replacement body', async () => {
      const body = hostileBodies.doctype();
      proxy.addRule({ action: { kind: 'body', body } });

      const res = await retrieveHosts([0], ['name']);

      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('text/xml; charset=utf-8');
      expect(res.body).to.equal(body);
    });

    it('sends a SOAP fault as HTTP 500', async () => {
      proxy.addRule({ action: { kind: 'fault', faultName: 'NotAuthenticated', message: 'The session is not authenticated.' } });

      const res = await retrieveHosts([0], ['name']);
      const fault = parseFault('RetrievePropertiesEx', res.body);
      const parsed = parseXml(res.body);

      expect(res.status).to.equal(500);
      expect(fault.faultType).to.equal('NotAuthenticated');
      expect(fault.faultString).to.equal('The session is not authenticated.');
      expect(res.body).to.match(/<soapenv:Envelope [^>]*xmlns:xsi="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance"/);
      expect(parsed.elements).to.include.members(['Envelope', 'Body', 'Fault', 'faultcode', 'faultstring', 'NotAuthenticatedFault']);
      expect(parsed.xsiTypes).to.deep.equal(['NotAuthenticated']);
    });

    it('raises the fault in AdminClient', async () => {
      proxy.addRule({ method: 'DisableRuleset', action: { kind: 'fault', faultName: 'NoPermission' } });

      const error = await captureError(admin.disableRuleset(host(0).firewallSystem, 'CIMSLP'));

      expect(error).to.be.instanceOf(SoapFaultError);
      expect((error as SoapFaultError).faultType).to.equal('NoPermission');
    });

    it('sends an empty result', async () => {
      proxy.addRule({ action: { kind: 'emptyResult' } });

      const res = await retrieveHosts([0, 1], ['name']);
      const parsed = parseXml(res.body);

      expect(res.status).to.equal(200);
      expect(parsed.elements).to.deep.equal(['Envelope', 'Body', 'RetrievePropertiesExResponse', 'returnval']);
      expect(res.body).to.contain('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval></returnval>');
    });

    it('names the empty result after its method', async () => {
      proxy.addRule({ action: { kind: 'emptyResult' } });

      const res = await soapRequest(proxy.url, 'ContinueRetrievePropertiesEx', admin.serviceContent.propertyCollector, '<token>1</token>', {
        cookie: admin.sessionCookie,
      });

      expect(parseXml(res.body).elements).to.include('ContinueRetrievePropertiesExResponse');
    });
  });

  describe('rewrites', () => {
    it('turns propSets into NotAuthenticated', async () => {
      proxy.addRule({ method: 'RetrievePropertiesEx', action: { kind: 'missingNotAuthenticated' } });

      const res = await retrieveHosts([0, 1], ['name', 'runtime.connectionState']);
      const parsed = parseXml(res.body);
      const count = (name: string): number => parsed.elements.filter((element) => element === name).length;

      expect(res.status).to.equal(200);
      expect(Number(res.headers['content-length'])).to.equal(Buffer.byteLength(res.body));
      expect(count('objects')).to.equal(2);
      expect(count('propSet')).to.equal(0);
      expect(count('missingSet')).to.equal(4);
      expect(count('localizedMessage')).to.equal(4);
      expect(parsed.xsiTypes).to.deep.equal(Array(4).fill('NotAuthenticated'));
      for (const index of [0, 1]) {
        const objectXml = `<object type="HostSystem">${host(index).moid}</object><privilegeId>System.Read</privilegeId>`;
        expect(res.body.split(objectXml), host(index).name).to.have.length(3);
      }
      expect(res.body).to.contain('<missingSet><path>name</path>');
      expect(res.body).to.contain('<missingSet><path>runtime.connectionState</path>');
    });

    it('applies a rewrite transform', async () => {
      proxy.addRule({
        method: 'RetrievePropertiesEx',
        action: { kind: 'rewrite', transform: (body) => body.replace(`>${host(0).name}<`, '>renamed-ü<') },
      });

      const res = await retrieveHosts([0], ['name']);

      expect(res.body).to.contain('>renamed-ü</val>');
      expect(Number(res.headers['content-length'])).to.equal(Buffer.byteLength(res.body));
    });

    it('responds 502 when transform throws', async () => {
      proxy.addRule({
        action: {
          kind: 'rewrite',
          transform: () => {
            throw new Error('no way');
          },
        },
      });

      const res = await retrieveHosts([0], ['name']);

      expect(res.status).to.equal(502);
      expect(proxy.calls[0]?.error).to.contain('no way');
    });
  });

  describe('hostile bodies', () => {
    it('doctype declares an entity', () => {
      const body = hostileBodies.doctype();

      expect(body).to.contain('<!DOCTYPE soapenv:Envelope [');
      expect(body).to.contain('<!ENTITY hostName "esx-from-doctype">');
      expect(body).to.contain('>&hostName;</val>');
    });

    it('billionLaughs nests nine entity levels', () => {
      const body = hostileBodies.billionLaughs();

      expect(body).to.contain('<!DOCTYPE');
      expect(body).to.contain('<!ENTITY lol "lol">');
      expect(body).to.contain(`<!ENTITY lol1 "${'&lol;'.repeat(10)}">`);
      expect(body).to.contain(`<!ENTITY lol9 "${'&lol8;'.repeat(10)}">`);
      expect(body).to.contain('>&lol9;</val>');
      expect(Buffer.byteLength(body)).to.be.below(2048);
    });

    it('externalEntity declares a SYSTEM entity', () => {
      const body = hostileBodies.externalEntity();

      expect(body).to.contain('<!DOCTYPE');
      expect(body).to.contain('<!ENTITY external SYSTEM "file:///etc/passwd">');
      expect(body).to.contain('>&external;</val>');
    });

    it('deepNesting nests depth elements', () => {
      const parsed = parseXml(hostileBodies.deepNesting(1000));

      expect(parsed.elements.filter((element) => element === 'n')).to.have.length(1000);
      expect(parsed.maxDepth).to.be.at.least(1000);
    });

    it('huge(1) is at least 1 MiB', () => {
      const body = hostileBodies.huge(1);
      const parsed = parseXml(body);

      expect(Buffer.byteLength(body)).to.be.at.least(MEBIBYTE);
      expect(parsed.elements).to.include('RetrievePropertiesExResponse');
      expect(parsed.elements.filter((element) => element === 'objects').length).to.be.greaterThan(100);
    });

    it('serves a huge body through the proxy', async () => {
      const body = hostileBodies.huge(2);
      proxy.addRule({ action: { kind: 'body', body } });

      const res = await retrieveHosts([0], ['name']);

      expect(res.status).to.equal(200);
      expect(res.body.length).to.equal(body.length);
      expect(res.body === body).to.equal(true);
    });
  });

  describe('stop', () => {
    it('closes open connections', async () => {
      proxy.addRule({ action: { kind: 'delay', ms: 30_000 } });
      const pending = captureError(retrieveHosts([0], ['name']));
      await waitFor(() => proxy.calls.length === 1);

      await proxy.stop();
      const error = await pending;

      expect(error.message).to.match(/socket hang up|ECONNRESET/);
    });

    it('refuses connections after stop', async () => {
      await proxy.stop();

      // A new connection, because the shared agent may hold a keep-alive
      // socket that the proxy closed, and a reused one fails with ECONNRESET.
      const error = await captureError(timedRetrieve(proxy.url, admin, [host(0).moid], ['name']));

      expect((error as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
    });
  });
});

// --- SOAP requests through the proxy. ---

function soapEnvelope(method: string, self: MoRef, bodyXml: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
    ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body><${method} xmlns="urn:vim25"><_this type="${self.type}">${self.value}</_this>${bodyXml}` +
    `</${method}></soapenv:Body></soapenv:Envelope>`
  );
}

function sessionManager(): MoRef {
  return { type: 'SessionManager', value: 'SessionManager' };
}

/** Builds the specSet and options of a RetrievePropertiesEx for paths of hosts. */
function retrieveSpec(moids: string[], paths: string[]): string {
  const pathSet = paths.map((path) => `<pathSet>${path}</pathSet>`).join('');
  const objectSet = moids.map((moid) => `<objectSet><obj type="HostSystem">${moid}</obj></objectSet>`).join('');
  return `<specSet><propSet><type>HostSystem</type>${pathSet}</propSet>${objectSet}</specSet><options></options>`;
}

/** Sends one SOAP request and returns the raw response, whatever its status. */
function soapRequest(url: string, method: string, self: MoRef, bodyXml: string, options: { cookie?: string } = {}): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/7.0' };
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  return httpRequest(url, { method: 'POST', headers, body: soapEnvelope(method, self, bodyXml) });
}

interface TimedResponse {
  status: number;
  /** The response head at 0 bytes, then each data event, in milliseconds since the request was sent. */
  events: { at: number; bytes: number }[];
  body: string;
  /** The error that ended the response early, if any. */
  error?: Error;
}

/** Sends RetrievePropertiesEx on a new connection and records when each part of the response arrives. */
function timedRetrieve(url: string, admin: AdminClient, moids: string[], paths: string[]): Promise<TimedResponse> {
  const body = soapEnvelope('RetrievePropertiesEx', admin.serviceContent.propertyCollector, retrieveSpec(moids, paths));
  const headers = { 'content-type': 'text/xml; charset=utf-8', cookie: admin.sessionCookie ?? '' };
  const start = performance.now();

  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      const events = [{ at: performance.now() - start, bytes: 0 }];
      const chunks: Buffer[] = [];
      const finish = (error?: Error): void => {
        const result: TimedResponse = { status: res.statusCode ?? 0, events, body: Buffer.concat(chunks).toString('utf8') };
        if (error) result.error = error;
        resolve(result);
      };
      res.on('data', (chunk: Buffer) => {
        events.push({ at: performance.now() - start, bytes: chunk.length });
        chunks.push(chunk);
      });
      res.on('end', () => finish());
      res.on('error', finish);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Returns the longest gap between consecutive events and the bytes that arrived before it. */
function longestPause(events: { at: number; bytes: number }[]): { ms: number; bytesBefore: number } {
  let longest = { ms: 0, bytesBefore: 0 };
  let bytes = 0;
  for (let index = 1; index < events.length; index += 1) {
    const previous = events[index - 1]!;
    const current = events[index]!;
    bytes += previous.bytes;
    const gap = current.at - previous.at;
    if (gap > longest.ms) longest = { ms: gap, bytesBefore: bytes };
  }
  return longest;
}

// --- XML and process helpers. ---

interface ParsedXml {
  /** Local names of the elements in document order. */
  elements: string[];
  /** Values of the type attributes in the XML Schema instance namespace, whatever their prefix. */
  xsiTypes: string[];
  maxDepth: number;
}

/** Parses xml with namespaces, and throws on any well-formedness or namespace error. */
function parseXml(xml: string): ParsedXml {
  const parser = new SaxesParser({ xmlns: true });
  const parsed: ParsedXml = { elements: [], xsiTypes: [], maxDepth: 0 };
  let depth = 0;

  parser.on('error', (err) => {
    throw err;
  });
  parser.on('opentag', (tag) => {
    depth += 1;
    parsed.maxDepth = Math.max(parsed.maxDepth, depth);
    parsed.elements.push(tag.local);
    for (const attribute of Object.values(tag.attributes)) {
      if (attribute.uri === XSI_NAMESPACE && attribute.local === 'type') parsed.xsiTypes.push(attribute.value);
    }
  });
  parser.on('closetag', () => {
    depth -= 1;
  });
  parser.write(xml).close();
  return parsed;
}

/** Polls condition every 10 ms until it holds, or throws after timeoutMs. */
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
