// Notification channels against real receivers on 127.0.0.1. The tests check
// what each channel sends (JSON, Block Kit, Adaptive Card, PagerDuty events,
// RFC 5424 syslog over UDP and TCP) and how failures are classified for
// retry. They also check that no channel URL or key reaches an error.
import { expect } from 'chai';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import type { ChannelConfig, PagerDutyChannel, SlackChannel, SyslogChannel, TeamsChannel, WebhookChannel } from '../../src/config/notification-types.js';
import { Secret } from '../../src/config/secret.js';
import type { Severity } from '../../src/model/finding.js';
import type { Notification, NotificationItem } from '../../src/model/notification.js';
import { deliver, type DeliveryResult } from '../../src/notify/channels/index.js';
import { closedPort, HttpReceiver, TcpSyslogListener, UdpSyslogListener } from '../helpers/receivers.js';

/** A path token that must never appear in an error message. */
const URL_TOKEN = 'T0KEN-zq81-distinct';
const ROUTING_KEY = 'R0UTING-kq27-distinct';
const SIGNING_SECRET = 'S1GNING-xv55-distinct';
const LOCAL0 = 16;

// --- sample data --------------------------------------------------------

function sampleItem(overrides: Partial<NotificationItem> = {}): NotificationItem {
  return {
    reason: 'opened',
    fingerprint: 'fp-0001',
    rule: 'management-ruleset-allow-all',
    severity: 'high',
    previousSeverity: null,
    vcenter: 'vc-prod',
    cluster: 'cluster-a',
    host: 'esx01.lab.local',
    ruleset: 'sshServer',
    expected: { allowedAll: false, allowedIps: ['10.0.0.0/24'] },
    actual: { allowedAll: true, allowedIps: [] },
    message: 'ruleset sshServer accepts connections from every address on host esx01.lab.local in cluster cluster-a (vCenter vc-prod)',
    firstSeen: '2025-03-01T10:00:00.000Z',
    resolvedAt: null,
    ticket: null,
    attribution: { userName: 'VSPHERE.LOCAL\\alice', at: '2025-03-01T09:58:12.000Z', eventTypeId: 'HostFirewallInfoChangedEvent' },
    ...overrides,
  };
}

function sampleNotification(items: NotificationItem[] = [sampleItem()], overrides: Partial<Notification> = {}): Notification {
  return {
    deliveryId: 'dlv-42',
    channel: 'ops',
    createdAt: '2025-03-01T10:00:05.000Z',
    severity: 'high',
    summary: 'HIGH: opened: ruleset sshServer accepts connections from every address',
    group: { kind: 'single', key: 'vc-prod/esx01.lab.local/fp-0001' },
    items,
    test: false,
    ...overrides,
  };
}

function testNotification(): Notification {
  return sampleNotification([], {
    deliveryId: 'dlv-test-7',
    severity: 'info',
    summary: 'Channel check requested by vdrift notify test',
    group: { kind: 'test', key: 'test' },
    test: true,
  });
}

/** Returns count items on different hosts, numbered from 1. */
function manyItems(count: number): NotificationItem[] {
  return Array.from({ length: count }, (_, index) =>
    sampleItem({ fingerprint: `fp-${index + 1}`, host: `esx${String(index + 1).padStart(2, '0')}.lab.local` }),
  );
}

const base = { minSeverity: 'info' as Severity, scope: {}, timeoutSeconds: 5 };

function webhookChannel(url: string, secret: string | null = null): WebhookChannel {
  return { ...base, name: 'hooks', type: 'webhook', url: new Secret(url), secret: secret === null ? null : new Secret(secret) };
}

function slackChannel(url: string): SlackChannel {
  return { ...base, name: 'ops-slack', type: 'slack', url: new Secret(url) };
}

function teamsChannel(url: string): TeamsChannel {
  return { ...base, name: 'ops-teams', type: 'teams', url: new Secret(url) };
}

function pagerDutyChannel(url: string): PagerDutyChannel {
  return { ...base, name: 'pager', type: 'pagerduty', url, routingKey: new Secret(ROUTING_KEY) };
}

function syslogChannel(port: number, protocol: 'udp' | 'tcp', facility = 'local0'): SyslogChannel {
  return { ...base, name: 'siem', type: 'syslog', host: '127.0.0.1', port, protocol, facility, appName: 'vdrift' };
}

// --- RFC 5424 parser ----------------------------------------------------

interface SyslogMessage {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sdId: string | null;
  params: Record<string, string>;
  bom: boolean;
  msg: string;
}

/** Parses one RFC 5424 message with at most one SD-ELEMENT, unescaping PARAM-VALUEs; throws on bad syntax. */
function parseSyslog(raw: Buffer): SyslogMessage {
  const text = raw.toString('utf8');
  const header = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(text);
  if (!header) {
    throw new Error(`not an RFC 5424 header: ${text.slice(0, 80)}`);
  }
  let position = header[0].length;
  let sdId: string | null = null;
  const params: Record<string, string> = {};
  if (text[position] === '-') {
    position += 1;
  } else {
    const element = parseSdElement(text, position);
    sdId = element.id;
    Object.assign(params, element.params);
    position = element.end;
  }
  let msgBytes = Buffer.from(text.slice(position), 'utf8');
  if (msgBytes.length > 0) {
    expect(msgBytes[0], 'a space between SD and MSG').to.equal(0x20);
    msgBytes = msgBytes.subarray(1);
  }
  const bom = msgBytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]));
  return {
    pri: Number(header[1]),
    version: Number(header[2]),
    timestamp: header[3]!,
    hostname: header[4]!,
    appName: header[5]!,
    procId: header[6]!,
    msgId: header[7]!,
    sdId,
    params,
    bom,
    msg: (bom ? msgBytes.subarray(3) : msgBytes).toString('utf8'),
  };
}

function parseSdElement(text: string, start: number): { id: string; params: Record<string, string>; end: number } {
  if (text[start] !== '[') {
    throw new Error(`expected "[" at ${start}`);
  }
  const idMatch = /^[^ =\]"]+/.exec(text.slice(start + 1));
  if (!idMatch) {
    throw new Error('missing SD-ID');
  }
  let position = start + 1 + idMatch[0].length;
  const params: Record<string, string> = {};
  while (text[position] === ' ') {
    const nameMatch = /^([^ =\]"]+)="/.exec(text.slice(position + 1));
    if (!nameMatch) {
      throw new Error(`invalid SD-PARAM at ${position}`);
    }
    position += 1 + nameMatch[0].length;
    let value = '';
    while (text[position] !== '"') {
      if (position >= text.length) {
        throw new Error('unterminated PARAM-VALUE');
      }
      const char = text[position]!;
      if (char === ']') {
        throw new Error(`unescaped "]" in PARAM-VALUE at ${position}`);
      }
      if (char === '\\' && ['"', '\\', ']'].includes(text[position + 1] ?? '')) {
        value += text[position + 1];
        position += 2;
      } else {
        value += char;
        position += 1;
      }
    }
    params[nameMatch[1]!] = value;
    position += 1;
  }
  if (text[position] !== ']') {
    throw new Error(`expected "]" at ${position}`);
  }
  return { id: idMatch[0], params, end: position + 1 };
}

// --- tests --------------------------------------------------------------

describe('notification channels', () => {
  let http: HttpReceiver;

  beforeEach(async () => {
    http = await HttpReceiver.start();
  });

  afterEach(async () => {
    await http?.stop();
  });

  describe('webhook', () => {
    it('posts the notification as JSON', async () => {
      const notification = sampleNotification();
      const result = await deliver(webhookChannel(http.url('/hook')), notification);

      expect(result).to.deep.equal({ ok: true, retryable: false });
      expect(http.requests).to.have.length(1);
      const request = http.requests[0]!;
      expect(request.method).to.equal('POST');
      expect(request.path).to.equal('/hook');
      expect(request.headers['content-type']).to.equal('application/json');
      expect(request.headers['user-agent']).to.equal('vdrift');
      expect(request.headers['x-vdrift-delivery']).to.equal('dlv-42');
      expect(request.headers['x-vdrift-signature']).to.equal(undefined);
      const { channel: _channel, ...expected } = notification;
      expect(http.json()).to.deep.equal(expected);
      expect(Object.keys(http.json() as object)).to.deep.equal(['deliveryId', 'createdAt', 'severity', 'summary', 'group', 'test', 'items']);
    });

    it('signs the exact body bytes', async () => {
      await deliver(webhookChannel(http.url('/hook'), SIGNING_SECRET), sampleNotification());

      const request = http.requests[0]!;
      const header = String(request.headers['x-vdrift-signature']);
      expect(header).to.match(/^sha256=[0-9a-f]{64}$/);
      const expected = Buffer.from(`sha256=${createHmac('sha256', SIGNING_SECRET).update(request.body).digest('hex')}`);
      const received = Buffer.from(header);
      expect(received.length).to.equal(expected.length);
      expect(timingSafeEqual(received, expected)).to.equal(true);
    });

    it('signature fails with another secret', async () => {
      await deliver(webhookChannel(http.url('/hook'), SIGNING_SECRET), sampleNotification());

      const request = http.requests[0]!;
      const forged = `sha256=${createHmac('sha256', 'another-secret').update(request.body).digest('hex')}`;
      expect(request.headers['x-vdrift-signature']).not.to.equal(forged);
    });
  });

  describe('slack', () => {
    it('describes the finding for people', async () => {
      const result = await deliver(slackChannel(http.url(`/services/${URL_TOKEN}`)), sampleNotification());

      expect(result.ok).to.equal(true);
      const body = http.json() as { text: string; blocks: { type: string }[] };
      const text = JSON.stringify(body);
      expect(body.text).to.contain('HIGH: opened');
      expect(body.blocks[0]!.type).to.equal('header');
      expect(text).to.contain('esx01.lab.local');
      expect(text).to.contain('cluster-a');
      expect(text).to.contain('sshServer');
      expect(text).to.contain('10.0.0.0/24');
      expect(text).to.contain('allowedAll');
      expect(text).to.contain('Severity: `high`');
      expect(text).to.contain('2025-03-01T10:00:00.000Z');
      expect(text).to.contain('alice');
      expect(text).not.to.match(/https?:\/\//);
      expect(text).not.to.contain(URL_TOKEN);
    });

    it('shows escalation and ticket', async () => {
      const item = sampleItem({ reason: 'escalated', severity: 'critical', previousSeverity: 'high', ticket: 'CHG-1234' });
      await deliver(slackChannel(http.url('/slack')), sampleNotification([item], { severity: 'critical' }));

      const text = JSON.stringify(http.json());
      expect(text).to.contain('Escalated:');
      expect(text).to.contain('critical (was high)');
      expect(text).to.contain('CHG-1234');
    });

    it('escapes mentions and links', async () => {
      const item = sampleItem({ message: 'ruleset <!channel> changed, see <http://evil.example|here>' });
      await deliver(slackChannel(http.url('/slack')), sampleNotification([item]));

      const text = JSON.stringify(http.json());
      expect(text).to.contain('&lt;!channel&gt;');
      expect(text).not.to.contain('<!channel>');
      expect(text).not.to.contain('<http');
    });

    it('marks a test notification', async () => {
      await deliver(slackChannel(http.url('/slack')), testNotification());

      const body = http.json() as { text: string };
      expect(body.text).to.contain('Test notification from vdrift: no finding');
      expect(JSON.stringify(body)).to.contain('Channel check requested');
    });

    it('caps thirty items at twenty', async () => {
      await deliver(slackChannel(http.url('/slack')), sampleNotification(manyItems(30)));

      const body = http.json() as { blocks: unknown[] };
      const text = JSON.stringify(body);
      expect(text).to.contain('esx20.lab.local');
      expect(text).not.to.contain('esx21.lab.local');
      expect(text).to.contain('and 10 more findings not shown');
      expect(body.blocks.length).to.be.at.most(50);
    });

    it('accepts any body on 200', async () => {
      http.replyWith({ status: 200, body: 'something else' });

      const result = await deliver(slackChannel(http.url('/slack')), sampleNotification());

      expect(result.ok).to.equal(true);
    });

    it('names the Slack error code', async () => {
      http.replyWith({ status: 404, body: 'no_service' });

      const result = await deliver(slackChannel(http.url(`/services/${URL_TOKEN}`)), sampleNotification());

      expect(result.ok).to.equal(false);
      expect(result.retryable).to.equal(false);
      expect(result.status).to.equal(404);
      expect(result.error).to.contain('Slack channel "ops-slack"');
      expect(result.error).to.contain('no_service');
      expect(result.error).to.contain('Check the webhook URL');
    });

    it('rejects an invalid token', async () => {
      http.replyWith({ status: 403, body: 'invalid_token' });

      const result = await deliver(slackChannel(http.url('/slack')), sampleNotification());

      expect(result.retryable).to.equal(false);
      expect(result.error).to.contain('invalid_token');
    });
  });

  describe('teams', () => {
    interface TeamsBody {
      type: string;
      attachments: { contentType: string; content: { type: string; version: string; body: unknown[] } }[];
    }

    it('posts an Adaptive Card', async () => {
      const result = await deliver(teamsChannel(http.url(`/webhookb2/${URL_TOKEN}`)), sampleNotification());

      expect(result.ok).to.equal(true);
      const body = http.json() as TeamsBody;
      expect(body.type).to.equal('message');
      expect(body.attachments).to.have.length(1);
      expect(body.attachments[0]!.contentType).to.equal('application/vnd.microsoft.card.adaptive');
      expect(body.attachments[0]!.content.type).to.equal('AdaptiveCard');
      expect(body.attachments[0]!.content.version).to.equal('1.4');
    });

    it('describes the finding for people', async () => {
      await deliver(teamsChannel(http.url(`/webhookb2/${URL_TOKEN}`)), sampleNotification());

      const text = JSON.stringify(http.json());
      expect(text).to.contain('HIGH: opened');
      expect(text).to.contain('esx01.lab.local');
      expect(text).to.contain('sshServer');
      expect(text).to.contain('10.0.0.0/24');
      expect(text).to.contain('allowedAll');
      expect(text).to.contain('"title":"Severity","value":"high"');
      expect(text).to.contain('alice');
      expect(text).not.to.match(/https?:\/\//);
      expect(text).not.to.contain(URL_TOKEN);
    });

    /** Returns the facts of the first item in the card, by title. */
    function firstFacts(): Record<string, string> {
      const card = (http.json() as TeamsBody).attachments[0]!.content;
      const container = card.body.find((element) => (element as { type: string }).type === 'Container') as { items: { type: string; facts?: { title: string; value: string }[] }[] };
      const facts = container.items.find((element) => element.type === 'FactSet')!.facts!;
      return Object.fromEntries(facts.map((fact) => [fact.title, fact.value]));
    }

    it('breaks Markdown links', async () => {
      await deliver(teamsChannel(http.url('/teams')), sampleNotification([sampleItem({ ruleset: '[click](evil)' })]));

      expect(firstFacts().Ruleset).to.equal('[click]\\(evil)');
    });

    it('keeps JSON brackets readable', async () => {
      await deliver(teamsChannel(http.url('/teams')), sampleNotification());

      expect(firstFacts().Expected).to.equal('{"allowedAll":false,"allowedIps":["10.0.0.0/24"]}');
    });

    it('marks a test notification', async () => {
      await deliver(teamsChannel(http.url('/teams')), testNotification());

      expect(JSON.stringify(http.json())).to.contain('Test notification from vdrift: no finding');
    });

    it('caps thirty items at twenty', async () => {
      await deliver(teamsChannel(http.url('/teams')), sampleNotification(manyItems(30)));

      const text = JSON.stringify(http.json());
      expect(text).to.contain('esx20.lab.local');
      expect(text).not.to.contain('esx21.lab.local');
      expect(text).to.contain('and 10 more findings not shown');
    });

    it('shrinks a large card', async () => {
      const long = 'v'.repeat(1000);
      const items = manyItems(20).map((item) => ({ ...item, expected: { ips: long }, actual: { ips: long } }));

      await deliver(teamsChannel(http.url('/teams')), sampleNotification(items));

      const request = http.requests[0]!;
      const text = request.body.toString('utf8');
      expect(request.body.length).to.be.at.most(20_000);
      expect(text).to.contain('esx01.lab.local');
      expect(text).to.match(/and \d+ more findings not shown/);
    });

    it('reads an error inside 200', async () => {
      http.replyWith({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId MS-CV=abc' });

      const result = await deliver(teamsChannel(http.url('/teams')), sampleNotification());

      expect(result.ok).to.equal(false);
      expect(result.retryable).to.equal(true);
      expect(result.status).to.equal(429);
    });
  });

  describe('pagerduty', () => {
    interface PagerDutyBody {
      routing_key: string;
      event_action: string;
      dedup_key: string;
      payload?: { summary: string; source: string; severity: string; component: string; group: string; class: string; custom_details: Record<string, unknown> };
    }

    beforeEach(() => {
      http.replyWith({ status: 202, headers: { 'Content-Type': 'application/json' }, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' });
    });

    function events(): PagerDutyBody[] {
      return http.requests.map((_, index) => http.json(index) as PagerDutyBody);
    }

    it('triggers an opened finding', async () => {
      const result = await deliver(pagerDutyChannel(http.url('/v2/enqueue')), sampleNotification());

      expect(result.ok).to.equal(true);
      const [event] = events();
      expect(http.requests[0]!.path).to.equal('/v2/enqueue');
      expect(event!.routing_key).to.equal(ROUTING_KEY);
      expect(event!.event_action).to.equal('trigger');
      expect(event!.dedup_key).to.equal('fp-0001');
      expect(event!.payload!.summary).to.contain('ruleset sshServer accepts connections');
      expect(event!.payload!.source).to.equal('esx01.lab.local');
      expect(event!.payload!.severity).to.equal('error');
      expect(event!.payload!.component).to.equal('sshServer');
      expect(event!.payload!.group).to.equal('cluster-a');
      expect(event!.payload!.class).to.equal('management-ruleset-allow-all');
      expect(event!.payload!.custom_details.expected).to.deep.equal({ allowedAll: false, allowedIps: ['10.0.0.0/24'] });
      expect(event!.payload!.custom_details.deliveryId).to.equal('dlv-42');
    });

    it('maps reasons to actions', async () => {
      const reasons = ['opened', 'escalated', 'de-escalated', 'repeat', 'resolved'] as const;
      const items = reasons.map((reason, index) => sampleItem({ reason, fingerprint: `fp-${index}` }));

      await deliver(pagerDutyChannel(http.url('/v2/enqueue')), sampleNotification(items));

      const sent = events();
      expect(sent.map((event) => event.event_action)).to.deep.equal(['trigger', 'trigger', 'trigger', 'trigger', 'resolve']);
      expect(sent.map((event) => event.dedup_key)).to.deep.equal(['fp-0', 'fp-1', 'fp-2', 'fp-3', 'fp-4']);
      expect(sent[4]).to.deep.equal({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'fp-4' });
    });

    it('maps severities to PagerDuty', async () => {
      const cases: [Severity, string][] = [
        ['critical', 'critical'],
        ['high', 'error'],
        ['medium', 'warning'],
        ['low', 'info'],
        ['info', 'info'],
      ];
      const items = cases.map(([severity], index) => sampleItem({ severity, fingerprint: `fp-${index}` }));

      await deliver(pagerDutyChannel(http.url('/v2/enqueue')), sampleNotification(items));

      const sent = events();
      for (const [index, [severity, expected]] of cases.entries()) {
        expect(sent[index]!.payload!.severity, severity).to.equal(expected);
      }
    });

    it('falls back to vCenter fields', async () => {
      const item = sampleItem({ rule: 'vcenter-unreachable', host: null, cluster: null, ruleset: null });

      await deliver(pagerDutyChannel(http.url('/v2/enqueue')), sampleNotification([item]));

      const payload = events()[0]!.payload!;
      expect(payload.source).to.equal('vc-prod');
      expect(payload.component).to.equal('firewall');
      expect(payload.group).to.equal('vc-prod');
    });

    it('triggers then resolves a test', async () => {
      const result = await deliver(pagerDutyChannel(http.url('/v2/enqueue')), testNotification());

      expect(result.ok).to.equal(true);
      const sent = events();
      expect(sent.map((event) => event.event_action)).to.deep.equal(['trigger', 'resolve']);
      expect(sent[0]!.dedup_key).to.equal('vdrift-test-dlv-test-7');
      expect(sent[1]!.dedup_key).to.equal('vdrift-test-dlv-test-7');
      expect(sent[0]!.payload!.summary).to.contain('Test event from vdrift');
    });

    it('skips resolve after failed trigger', async () => {
      http.queue({ status: 400, body: '{"status":"invalid event","message":"Event object is invalid"}' });

      const result = await deliver(pagerDutyChannel(http.url('/v2/enqueue')), testNotification());

      expect(result.ok).to.equal(false);
      expect(http.requests).to.have.length(1);
    });

    it('reports one failed event of three', async () => {
      http.queue({ status: 202 }, { status: 400, body: '{"status":"invalid event","message":"Event object is invalid","errors":["payload.summary is missing"]}' });

      const result = await deliver(pagerDutyChannel(http.url('/v2/enqueue')), sampleNotification(manyItems(3)));

      expect(http.requests).to.have.length(3);
      expect(result.ok).to.equal(false);
      expect(result.retryable).to.equal(false);
      expect(result.status).to.equal(400);
      expect(result.error).to.contain('1 of 3 events failed');
      expect(result.error).to.contain('trigger event fp-2');
      expect(result.error).to.contain('payload.summary is missing');
    });

    it('stops at a retryable failure', async () => {
      http.queue({ status: 202 }, { status: 503, headers: { 'Retry-After': '12' } });

      const result = await deliver(pagerDutyChannel(http.url('/v2/enqueue')), sampleNotification(manyItems(3)));

      expect(http.requests).to.have.length(2);
      expect(result.retryable).to.equal(true);
      expect(result.retryAfterSeconds).to.equal(12);
      expect(result.error).to.contain('1 of 3 events failed, 1 not sent');
    });

    it('retries no mix of failures', async () => {
      http.queue({ status: 400, body: '{"status":"invalid event"}' }, { status: 202 }, { status: 429 });

      const result = await deliver(pagerDutyChannel(http.url('/v2/enqueue')), sampleNotification(manyItems(3)));

      expect(result.retryable).to.equal(false);
      expect(result.error).to.contain('2 of 3 events failed');
    });
  });

  describe('syslog', () => {
    let udp: UdpSyslogListener;
    let tcp: TcpSyslogListener;

    beforeEach(async () => {
      udp = await UdpSyslogListener.start();
      tcp = await TcpSyslogListener.start();
    });

    afterEach(async () => {
      await udp?.stop();
      await tcp?.stop();
    });

    it('sends RFC 5424 over UDP', async () => {
      const result = await deliver(syslogChannel(udp.port, 'udp'), sampleNotification([sampleItem({ severity: 'critical' })]));

      expect(result).to.deep.equal({ ok: true, retryable: false });
      const [raw] = await udp.waitFor(1);
      const message = parseSyslog(raw!);
      expect(message.pri).to.equal(LOCAL0 * 8 + 2);
      expect(message.version).to.equal(1);
      expect(message.timestamp).to.equal('2025-03-01T10:00:05.000Z');
      expect(message.hostname).to.equal(hostname());
      expect(message.appName).to.equal('vdrift');
      expect(message.procId).to.equal(String(process.pid));
      expect(message.msgId).to.equal('management-ruleset-allow-all');
      expect(message.sdId).to.equal('vdrift@32473');
      expect(message.bom).to.equal(false);
      expect(message.msg).to.equal(sampleItem().message);
    });

    it('carries the finding in structured data', async () => {
      await deliver(syslogChannel(udp.port, 'udp'), sampleNotification());

      const [raw] = await udp.waitFor(1);
      const { params } = parseSyslog(raw!);
      expect(params.deliveryId).to.equal('dlv-42');
      expect(params.reason).to.equal('opened');
      expect(params.fingerprint).to.equal('fp-0001');
      expect(params.rule).to.equal('management-ruleset-allow-all');
      expect(params.severity).to.equal('high');
      expect(params.vcenter).to.equal('vc-prod');
      expect(params.cluster).to.equal('cluster-a');
      expect(params.host).to.equal('esx01.lab.local');
      expect(params.ruleset).to.equal('sshServer');
      expect(params.firstSeen).to.equal('2025-03-01T10:00:00.000Z');
      expect(params.changedBy).to.equal('VSPHERE.LOCAL\\alice');
      expect(JSON.parse(params.actual!)).to.deep.equal({ allowedAll: true, allowedIps: [] });
    });

    it('leaves out absent values', async () => {
      const item = sampleItem({ rule: 'vcenter-unreachable', host: null, cluster: null, ruleset: null, attribution: null });

      await deliver(syslogChannel(udp.port, 'udp'), sampleNotification([item]));

      const [raw] = await udp.waitFor(1);
      const { params } = parseSyslog(raw!);
      expect(params).not.to.have.property('host');
      expect(params).not.to.have.property('cluster');
      expect(params).not.to.have.property('ruleset');
      expect(params).not.to.have.property('changedBy');
    });

    it('escapes structured data values', async () => {
      const ruleset = 'odd"name\\with]chars';
      await deliver(syslogChannel(udp.port, 'udp'), sampleNotification([sampleItem({ ruleset })]));

      const [raw] = await udp.waitFor(1);
      expect(raw!.toString('utf8')).to.contain('ruleset="odd\\"name\\\\with\\]chars"');
      expect(parseSyslog(raw!).params.ruleset).to.equal(ruleset);
    });

    it('maps severities to PRI', async () => {
      const cases: [Severity, number][] = [
        ['critical', 2],
        ['high', 3],
        ['medium', 4],
        ['low', 5],
        ['info', 6],
      ];
      const items = cases.map(([severity], index) => sampleItem({ severity, fingerprint: `fp-${index}` }));

      await deliver(syslogChannel(udp.port, 'udp', 'local3'), sampleNotification(items));

      const messages = (await udp.waitFor(cases.length)).map(parseSyslog);
      for (const [severity, code] of cases) {
        const message = messages.find((candidate) => candidate.params.severity === severity);
        expect(message?.pri, severity).to.equal(19 * 8 + code);
      }
    });

    it('marks non-ASCII text with a BOM', async () => {
      await deliver(syslogChannel(udp.port, 'udp'), sampleNotification([sampleItem({ message: 'ruleset sshServer changed by Jörg' })]));

      const [raw] = await udp.waitFor(1);
      const message = parseSyslog(raw!);
      expect(message.bom).to.equal(true);
      expect(message.msg).to.equal('ruleset sshServer changed by Jörg');
    });

    it('frames messages over TCP', async () => {
      const result = await deliver(syslogChannel(tcp.port, 'tcp'), sampleNotification(manyItems(3)));

      expect(result).to.deep.equal({ ok: true, retryable: false });
      const messages = (await tcp.waitFor(3)).map(parseSyslog);
      expect(messages.map((message) => message.params.host)).to.deep.equal(['esx01.lab.local', 'esx02.lab.local', 'esx03.lab.local']);
      expect(messages.every((message) => message.version === 1)).to.equal(true);
      expect(tcp.connections).to.equal(1);
      expect(tcp.framingErrors).to.deep.equal([]);
    });

    it('sends one test message', async () => {
      await deliver(syslogChannel(udp.port, 'udp'), testNotification());

      const [raw] = await udp.waitFor(1);
      const message = parseSyslog(raw!);
      expect(message.msgId).to.equal('vdrift-test');
      expect(message.pri).to.equal(LOCAL0 * 8 + 6);
      expect(message.params.test).to.equal('true');
      expect(message.msg).to.contain('Test notification from vdrift: no finding');
    });

    it('retries a refused TCP connection', async () => {
      const result = await deliver(syslogChannel(await closedPort(), 'tcp'), sampleNotification());

      expect(result.ok).to.equal(false);
      expect(result.retryable).to.equal(true);
      expect(result.error).to.contain('Syslog channel "siem"');
      expect(result.error).to.contain('refused');
    });

    it('rejects an unknown facility', async () => {
      const result = await deliver(syslogChannel(udp.port, 'udp', 'local9'), sampleNotification());

      expect(result.ok).to.equal(false);
      expect(result.retryable).to.equal(false);
      expect(result.error).to.contain('local9');
    });
  });

  describe('failure classification', () => {
    function send(): Promise<DeliveryResult> {
      return deliver(webhookChannel(http.url('/hook')), sampleNotification());
    }

    it('retries HTTP 500', async () => {
      http.replyWith({ status: 500, body: 'internal error' });

      const result = await send();

      expect(result.ok).to.equal(false);
      expect(result.retryable).to.equal(true);
      expect(result.status).to.equal(500);
      expect(result.retryAfterSeconds).to.equal(undefined);
    });

    it('retries HTTP 408', async () => {
      http.replyWith({ status: 408 });

      expect((await send()).retryable).to.equal(true);
    });

    it('retries HTTP 429 after Retry-After', async () => {
      http.replyWith({ status: 429, headers: { 'Retry-After': '7' } });

      const result = await send();

      expect(result.retryable).to.equal(true);
      expect(result.status).to.equal(429);
      expect(result.retryAfterSeconds).to.equal(7);
    });

    it('reads a Retry-After date', async () => {
      http.replyWith({ status: 503, headers: { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() } });

      const result = await send();

      expect(result.retryAfterSeconds).to.be.within(28, 31);
    });

    it('does not retry HTTP 404', async () => {
      http.replyWith({ status: 404, body: 'Not Found' });

      const result = await send();

      expect(result.ok).to.equal(false);
      expect(result.retryable).to.equal(false);
      expect(result.status).to.equal(404);
      expect(result.error).to.contain('Webhook channel "hooks"');
      expect(result.error).to.contain('HTTP 404');
    });

    it('does not follow redirects', async () => {
      http.replyWith({ status: 302, headers: { Location: http.url('/elsewhere') } });

      const result = await send();

      expect(result.retryable).to.equal(false);
      expect(http.requests).to.have.length(1);
      expect(result.error).to.contain('redirects');
    });

    it('retries a refused connection', async () => {
      const result = await deliver(webhookChannel(`http://127.0.0.1:${await closedPort()}/hook`), sampleNotification());

      expect(result.ok).to.equal(false);
      expect(result.retryable).to.equal(true);
      expect(result.error).to.contain('ECONNREFUSED');
    });

    it('retries after a timeout', async () => {
      http.replyWith({ status: 200, delayMs: 3000 });
      const channel = { ...webhookChannel(http.url('/hook')), timeoutSeconds: 0.3 };

      const started = Date.now();
      const result = await deliver(channel, sampleNotification());

      expect(Date.now() - started).to.be.below(2000);
      expect(result.ok).to.equal(false);
      expect(result.retryable).to.equal(true);
      expect(result.error).to.contain('timed out');
    });
  });

  describe('secret handling', () => {
    const tokenUrl = (receiver: HttpReceiver): string => receiver.url(`/services/${URL_TOKEN}?key=${URL_TOKEN}`);
    const channels: [string, (url: string) => ChannelConfig][] = [
      ['webhook', (url) => webhookChannel(url, SIGNING_SECRET)],
      ['slack', slackChannel],
      ['teams', teamsChannel],
    ];

    function expectNoSecret(result: DeliveryResult): void {
      expect(result.ok).to.equal(false);
      expect(result.error).to.be.a('string');
      expect(result.error).not.to.contain(URL_TOKEN);
      expect(result.error).not.to.contain(ROUTING_KEY);
      expect(result.error).not.to.contain(SIGNING_SECRET);
    }

    for (const [type, build] of channels) {
      it(`hides the ${type} URL in echoes`, async () => {
        http.replyWith({ status: 404, body: `Cannot POST /services/${URL_TOKEN}?key=${URL_TOKEN}` });

        expectNoSecret(await deliver(build(tokenUrl(http)), sampleNotification()));
      });

      it(`hides the ${type} URL on refusal`, async () => {
        const url = `http://127.0.0.1:${await closedPort()}/services/${URL_TOKEN}`;

        expectNoSecret(await deliver(build(url), sampleNotification()));
      });

      it(`hides the ${type} URL on timeout`, async () => {
        http.replyWith({ status: 200, delayMs: 3000 });

        expectNoSecret(await deliver({ ...build(tokenUrl(http)), timeoutSeconds: 0.3 }, sampleNotification()));
      });
    }

    it('hides the signing secret', async () => {
      http.replyWith({ status: 401, body: `signature mismatch, expected key ${SIGNING_SECRET}` });

      expectNoSecret(await deliver(webhookChannel(http.url('/hook'), SIGNING_SECRET), sampleNotification()));
    });

    it('hides an invalid URL', async () => {
      expectNoSecret(await deliver(slackChannel(`http//broken/${URL_TOKEN}`), sampleNotification()));
    });

    it('hides the routing key', async () => {
      http.replyWith({ status: 400, body: `{"status":"invalid event","errors":["routing_key ${ROUTING_KEY} is unknown"]}` });

      const result = await deliver(pagerDutyChannel(http.url('/v2/enqueue')), sampleNotification());

      expectNoSecret(result);
      expect(result.error).to.contain('[secret]');
      expect(result.error).to.contain('Check the routing key');
    });

    it('hides the key across events', async () => {
      http.replyWith({ status: 500, body: `key ${ROUTING_KEY}` });

      expectNoSecret(await deliver(pagerDutyChannel(http.url('/v2/enqueue')), sampleNotification(manyItems(2))));
    });
  });
});
