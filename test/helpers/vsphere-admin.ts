// Calls the vSphere SOAP API the way an administrator's tool would, so that
// tests can change host firewall state through real vSphere methods. This is
// test code with hand-written envelopes. vdrift's own client is in
// src/vsphere and is not used here.
import { httpRequest } from './http.js';

/** A ManagedObjectReference. */
export interface MoRef {
  type: string;
  value: string;
}

/** HostFirewallRulesetIpNetwork. */
export interface IpNetwork {
  network: string;
  prefixLength: number;
}

/** HostFirewallRulesetIpList, the allowedHosts of a ruleset. */
export interface AllowedHostsSpec {
  allIp: boolean;
  ipAddress?: string[];
  ipNetwork?: IpNetwork[];
}

/** HostFirewallDefaultPolicy. A field left out keeps its value on the host. */
export interface DefaultPolicySpec {
  incomingBlocked?: boolean;
  outgoingBlocked?: boolean;
}

/** The managed objects of ServiceContent that tests use. */
export interface ServiceContentRefs {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  sessionManager: MoRef;
  eventManager: MoRef;
}

export interface AdminClientOptions {
  /** PEM certificates to trust for an https URL. */
  ca?: string;
  /** vim25 version announced in SOAPAction (default "7.0"). */
  apiVersion?: string;
}

/** The result of esxcli "network firewall get". */
export interface EsxcliFirewall {
  enabled: boolean;
  defaultAction: 'PASS' | 'DROP';
  loaded: boolean;
}

/** Arguments of esxcli "network firewall set"; a field left out is not sent. */
export interface EsxcliFirewallSettings {
  enabled?: boolean;
  defaultAction?: 'PASS' | 'DROP';
}

/** An EventFilterSpec with the fields that tests use. */
export interface EventQuery {
  entity?: { ref: MoRef; recursion: 'self' | 'children' | 'all' };
  beginTime?: Date;
  endTime?: Date;
  userList?: string[];
  /** Matches events of the system user, whose userName is empty. */
  systemUser?: boolean;
  eventTypeId?: string[];
  maxCount?: number;
}

/** One event read from QueryEvents or an EventHistoryCollector. */
export interface VimEvent {
  /** Event class from xsi:type, for example "EventEx". */
  type: string;
  key: number;
  chainId: number;
  createdTime: string;
  userName: string;
  host?: { moid: string; name: string };
  /** Set on EventEx and ExtendedEvent. */
  eventTypeId?: string;
  severity?: string;
  message?: string;
  fullFormattedMessage?: string;
  /** EventEx arguments, as text. */
  arguments: Record<string, string>;
  /** ExtendedEvent data. */
  data: Record<string, string>;
}

/** A SOAP fault returned with HTTP 500, such as NotFound or NotAuthenticated. */
export class SoapFaultError extends Error {
  readonly method: string;
  /** Fault type from the xsi:type of the detail, for example "NotFound", or undefined when absent. */
  readonly faultType: string | undefined;
  readonly faultString: string;
  readonly responseBody: string;

  constructor(method: string, faultType: string | undefined, faultString: string, responseBody: string) {
    const detail = faultString === '' ? '' : `: ${faultString}`;
    super(`${method} failed with fault ${faultType ?? 'of unknown type'}${detail}`);
    this.name = 'SoapFaultError';
    this.method = method;
    this.faultType = faultType;
    this.faultString = faultString;
    this.responseBody = responseBody;
  }
}

/** A failed esxcli command: ExecuteSoap returned a fault element instead of a response. */
export class EsxcliFaultError extends Error {
  readonly method: string;
  readonly faultMsg: string[];
  readonly faultDetail: string | undefined;

  constructor(method: string, faultMsg: string[], faultDetail: string | undefined) {
    super(`esxcli ${method} failed: ${faultMsg.join('; ') || 'no message'}`);
    this.name = 'EsxcliFaultError';
    this.method = method;
    this.faultMsg = faultMsg;
    this.faultDetail = faultDetail;
  }
}

const SESSION_COOKIE = 'vmware_soap_session';
const DEFAULT_API_VERSION = '7.0';
const ESXCLI_FIREWALL = 'ha-cli-handler-network-firewall';

/**
 * A SOAP session with one vCenter. It keeps the vmware_soap_session cookie
 * from Login and sends it with every later call.
 */
export class AdminClient {
  readonly url: string;
  readonly serviceContent: ServiceContentRefs;
  /** vim25 version announced in SOAPAction. */
  readonly apiVersion: string;
  private readonly ca: string | undefined;
  private cookie: string | undefined;
  /** ReflectManagedMethodExecuter of each host moid. */
  private readonly executers = new Map<string, MoRef>();

  private constructor(url: string, serviceContent: ServiceContentRefs, options: AdminClientOptions) {
    this.url = url;
    this.serviceContent = serviceContent;
    this.ca = options.ca;
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  }

  /** Reads the ServiceContent without logging in. */
  static async connect(url: string, options: AdminClientOptions = {}): Promise<AdminClient> {
    const anonymous = new AdminClient(url, placeholderContent(), options);
    const xml = await anonymous.call('RetrieveServiceContent', { type: 'ServiceInstance', value: 'ServiceInstance' });
    return new AdminClient(url, parseServiceContent(xml), options);
  }

  /** Reads the ServiceContent and logs in with SessionManager.Login. */
  static async login(
    url: string,
    username: string,
    password: string,
    options: AdminClientOptions = {},
  ): Promise<AdminClient> {
    const client = await AdminClient.connect(url, options);
    await client.call(
      'Login',
      client.serviceContent.sessionManager,
      `<userName>${escapeXml(username)}</userName><password>${escapeXml(password)}</password>`,
    );
    if (client.cookie === undefined) {
      throw new Error(`Login to ${url} succeeded but set no ${SESSION_COOKIE} cookie`);
    }
    return client;
  }

  /** The session cookie as "vmware_soap_session=...", or undefined before Login. */
  get sessionCookie(): string | undefined {
    return this.cookie;
  }

  /**
   * Sends one SOAP request and returns the raw response envelope. bodyXml is
   * the content of the method element after _this. Throws SoapFaultError on
   * HTTP 500, and Error on any other status but 200 or when the request
   * takes longer than options.timeoutMs (default 30,000 ms).
   */
  async call(method: string, self: MoRef, bodyXml = '', options: { timeoutMs?: number } = {}): Promise<string> {
    const envelope =
      '<?xml version="1.0" encoding="UTF-8"?>' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
      ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<soapenv:Body><${method} xmlns="urn:vim25">` +
      `<_this type="${escapeXml(self.type)}">${escapeXml(self.value)}</_this>${bodyXml}` +
      `</${method}></soapenv:Body></soapenv:Envelope>`;

    const headers: Record<string, string> = {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: `urn:vim25/${this.apiVersion}`,
    };
    if (this.cookie !== undefined) headers.cookie = this.cookie;

    const res = await httpRequest(this.url, {
      method: 'POST',
      headers,
      body: envelope,
      ca: this.ca,
      timeoutMs: options.timeoutMs,
    });
    this.keepSessionCookie(res.headers['set-cookie']);

    if (res.status === 500) {
      throw parseFault(method, res.body);
    }
    if (res.status !== 200) {
      throw new Error(`${method} failed with HTTP ${res.status}: ${res.body.slice(0, 500)}`);
    }
    return res.body;
  }

  async enableRuleset(firewallSystem: string, id: string): Promise<void> {
    await this.call('EnableRuleset', firewallRef(firewallSystem), `<id>${escapeXml(id)}</id>`);
  }

  async disableRuleset(firewallSystem: string, id: string): Promise<void> {
    await this.call('DisableRuleset', firewallRef(firewallSystem), `<id>${escapeXml(id)}</id>`);
  }

  /** Replaces the whole allowedHosts list of ruleset id. */
  async updateRuleset(firewallSystem: string, id: string, allowedHosts: AllowedHostsSpec): Promise<void> {
    // Element order follows the WSDL of HostFirewallRulesetIpList.
    const addresses = (allowedHosts.ipAddress ?? [])
      .map((address) => `<ipAddress>${escapeXml(address)}</ipAddress>`)
      .join('');
    const networks = (allowedHosts.ipNetwork ?? [])
      .map((n) => {
        const prefix = `<prefixLength>${n.prefixLength}</prefixLength>`;
        return `<ipNetwork><network>${escapeXml(n.network)}</network>${prefix}</ipNetwork>`;
      })
      .join('');
    const allIp = `<allIp>${allowedHosts.allIp}</allIp>`;
    const spec = `<spec><allowedHosts>${addresses}${networks}${allIp}</allowedHosts></spec>`;

    await this.call('UpdateRuleset', firewallRef(firewallSystem), `<id>${escapeXml(id)}</id>${spec}`);
  }

  /** Sets the default policy. A field left out of policy is not sent. */
  async updateDefaultPolicy(firewallSystem: string, policy: DefaultPolicySpec): Promise<void> {
    let fields = '';
    if (policy.incomingBlocked !== undefined) fields += `<incomingBlocked>${policy.incomingBlocked}</incomingBlocked>`;
    if (policy.outgoingBlocked !== undefined) fields += `<outgoingBlocked>${policy.outgoingBlocked}</outgoingBlocked>`;

    await this.call('UpdateDefaultPolicy', firewallRef(firewallSystem), `<defaultPolicy>${fields}</defaultPolicy>`);
  }

  /** Runs esxcli "network firewall get" on a host through vCenter. */
  async executeEsxcliFirewallGet(hostMoid: string): Promise<EsxcliFirewall> {
    const response = await this.executeEsxcli(hostMoid, 'vim.EsxCLI.network.firewall.get', {});
    const field = (name: string): string => {
      const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(response)?.[1];
      if (value === undefined) throw new Error(`esxcli network firewall get returned no ${name}: ${response}`);
      return value;
    };

    const defaultAction = field('DefaultAction');
    if (defaultAction !== 'PASS' && defaultAction !== 'DROP') {
      throw new Error(`esxcli network firewall get returned DefaultAction ${defaultAction}, expected PASS or DROP`);
    }
    return { enabled: field('Enabled') === 'true', defaultAction, loaded: field('Loaded') === 'true' };
  }

  /** Runs esxcli "network firewall set" on a host through vCenter. */
  async executeEsxcliFirewallSet(hostMoid: string, settings: EsxcliFirewallSettings): Promise<void> {
    const args: Record<string, boolean> = {};
    if (settings.enabled !== undefined) args.enabled = settings.enabled;
    if (settings.defaultAction !== undefined) args.defaultaction = settings.defaultAction === 'PASS';

    await this.executeEsxcli(hostMoid, 'vim.EsxCLI.network.firewall.set', args);
  }

  /**
   * Calls ExecuteSoap on the host's ReflectManagedMethodExecuter and returns
   * the decoded response document. Throws EsxcliFaultError when the result
   * contains a fault, and SoapFaultError for a SOAP fault.
   */
  private async executeEsxcli(hostMoid: string, method: string, args: Record<string, boolean>): Promise<string> {
    const executer = await this.methodExecuter(hostMoid);
    const argumentXml = Object.entries(args)
      .map(([name, value]) => `<argument><name>${name}</name><val>${escapeXml(`<${name}>${value}</${name}>`)}</val></argument>`)
      .join('');

    const xml = await this.call(
      'ExecuteSoap',
      executer,
      `<moid>${ESXCLI_FIREWALL}</moid><version>urn:vim25/5.0</version><method>${method}</method>${argumentXml}`,
    );

    const fault = /<fault>([\s\S]*?)<\/fault>/.exec(xml)?.[1];
    if (fault !== undefined) {
      const messages = [...fault.matchAll(/<faultMsg>([\s\S]*?)<\/faultMsg>/g)].map((m) => decodeXmlText(m[1] ?? ''));
      const detail = /<faultDetail>([\s\S]*?)<\/faultDetail>/.exec(fault)?.[1];
      throw new EsxcliFaultError(method, messages, detail === undefined ? undefined : decodeXmlText(detail));
    }

    const response = /<response>([\s\S]*?)<\/response>/.exec(xml)?.[1];
    if (response === undefined) throw new Error(`ExecuteSoap ${method} returned no response: ${xml.slice(0, 500)}`);
    return decodeXmlText(response);
  }

  private async methodExecuter(hostMoid: string): Promise<MoRef> {
    let executer = this.executers.get(hostMoid);
    if (executer === undefined) {
      const xml = await this.call('RetrieveManagedMethodExecuter', { type: 'HostSystem', value: hostMoid });
      executer = returnedRef(xml);
      this.executers.set(hostMoid, executer);
    }
    return executer;
  }

  /** Calls EventManager.QueryEvents and returns the events in the order vCenter sent them. */
  async queryEvents(query: EventQuery = {}): Promise<VimEvent[]> {
    const xml = await this.call('QueryEvents', this.serviceContent.eventManager, `<filter>${eventFilterXml(query)}</filter>`);
    return parseEvents(xml);
  }

  /** Creates an EventHistoryCollector for query. */
  async createEventCollector(query: EventQuery = {}): Promise<MoRef> {
    const xml = await this.call('CreateCollectorForEvents', this.serviceContent.eventManager, `<filter>${eventFilterXml(query)}</filter>`);
    return returnedRef(xml);
  }

  /** Calls ReadNextEvents and returns the events, oldest first. */
  async readNextEvents(collector: MoRef, maxCount: number): Promise<VimEvent[]> {
    return parseEvents(await this.call('ReadNextEvents', collector, `<maxCount>${maxCount}</maxCount>`));
  }

  async destroyCollector(collector: MoRef): Promise<void> {
    await this.call('DestroyCollector', collector);
  }

  async logout(): Promise<void> {
    await this.call('Logout', this.serviceContent.sessionManager);
    this.cookie = undefined;
  }

  private keepSessionCookie(setCookie: string[] | undefined): void {
    for (const header of setCookie ?? []) {
      const pair = header.split(';', 1)[0]?.trim();
      if (pair?.startsWith(`${SESSION_COOKIE}=`)) this.cookie = pair;
    }
  }
}

function firewallRef(moid: string): MoRef {
  return { type: 'HostFirewallSystem', value: moid };
}

export function returnedRef(xml: string): MoRef {
  const match = /<returnval type="([^"]+)">([^<]+)<\/returnval>/.exec(xml);
  if (!match?.[1] || !match[2]) throw new Error(`no returnval reference in: ${xml.slice(0, 500)}`);
  return { type: match[1], value: decodeXmlText(match[2]) };
}

/** Builds the content of an EventFilterSpec, with fields in WSDL order. */
function eventFilterXml(query: EventQuery): string {
  let xml = '';
  if (query.entity) {
    const { ref, recursion } = query.entity;
    xml += `<entity><entity type="${escapeXml(ref.type)}">${escapeXml(ref.value)}</entity><recursion>${recursion}</recursion></entity>`;
  }
  if (query.beginTime || query.endTime) {
    const begin = query.beginTime ? `<beginTime>${query.beginTime.toISOString()}</beginTime>` : '';
    const end = query.endTime ? `<endTime>${query.endTime.toISOString()}</endTime>` : '';
    xml += `<time>${begin}${end}</time>`;
  }
  if (query.userList || query.systemUser !== undefined) {
    const users = (query.userList ?? []).map((user) => `<userList>${escapeXml(user)}</userList>`).join('');
    xml += `<userName><systemUser>${query.systemUser ?? false}</systemUser>${users}</userName>`;
  }
  for (const id of query.eventTypeId ?? []) {
    xml += `<eventTypeId>${escapeXml(id)}</eventTypeId>`;
  }
  if (query.maxCount !== undefined) xml += `<maxCount>${query.maxCount}</maxCount>`;
  return xml;
}

/** Reads the events of a QueryEvents or ReadNextEvents response. */
export function parseEvents(xml: string): VimEvent[] {
  return [...xml.matchAll(/<returnval\b([^>]*)>([\s\S]*?)<\/returnval>/g)].map((match) => {
    const attributes = match[1] ?? '';
    const body = match[2] ?? '';
    const text = (name: string): string | undefined => {
      const value = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body)?.[1];
      return value === undefined ? undefined : decodeXmlText(value);
    };
    const pairs = (element: string): Record<string, string> => {
      const found: Record<string, string> = {};
      const pattern = new RegExp(`<${element}><key>([^<]*)</key><value[^>]*>([\\s\\S]*?)</value></${element}>`, 'g');
      for (const pair of body.matchAll(pattern)) {
        found[decodeXmlText(pair[1] ?? '')] = decodeXmlText(pair[2] ?? '');
      }
      return found;
    };

    const host = /<host><name>([^<]*)<\/name><host type="HostSystem">([^<]*)<\/host><\/host>/.exec(body);
    return {
      type: /[\w-]+:type="([^"]+)"/.exec(attributes)?.[1] ?? 'Event',
      key: Number(text('key')),
      chainId: Number(text('chainId')),
      createdTime: text('createdTime') ?? '',
      userName: text('userName') ?? '',
      host: host ? { name: decodeXmlText(host[1] ?? ''), moid: decodeXmlText(host[2] ?? '') } : undefined,
      eventTypeId: text('eventTypeId'),
      severity: text('severity'),
      message: text('message'),
      fullFormattedMessage: text('fullFormattedMessage'),
      arguments: pairs('arguments'),
      data: pairs('data'),
    };
  });
}

/** Refs used only for the RetrieveServiceContent call that replaces them. */
function placeholderContent(): ServiceContentRefs {
  const none = { type: '', value: '' };
  return { rootFolder: none, propertyCollector: none, viewManager: none, sessionManager: none, eventManager: none };
}

function parseServiceContent(xml: string): ServiceContentRefs {
  const ref = (element: string): MoRef => {
    const match = new RegExp(`<${element} type="([^"]+)">([^<]+)</${element}>`).exec(xml);
    if (!match?.[1] || !match[2]) {
      throw new Error(`RetrieveServiceContent response has no ${element}: ${xml.slice(0, 500)}`);
    }
    return { type: match[1], value: decodeXmlText(match[2]) };
  };

  return {
    rootFolder: ref('rootFolder'),
    propertyCollector: ref('propertyCollector'),
    viewManager: ref('viewManager'),
    sessionManager: ref('sessionManager'),
    eventManager: ref('eventManager'),
  };
}

/** Builds a SoapFaultError from a SOAP fault envelope. */
export function parseFault(method: string, xml: string): SoapFaultError {
  const faultString = /<faultstring>([\s\S]*?)<\/faultstring>/.exec(xml)?.[1] ?? '';
  const detail = /<detail>([\s\S]*?)<\/detail>/.exec(xml)?.[1] ?? '';
  const faultType = /xsi:type="(?:[\w]+:)?(\w+)"/.exec(detail)?.[1];
  return new SoapFaultError(method, faultType, decodeXmlText(faultString), xml);
}

/** Escapes text for use in XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Decodes the predefined XML entities and numeric character references. */
export function decodeXmlText(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return named[name] ?? entity;
  });
}
