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
}

export interface AdminClientOptions {
  /** PEM certificates to trust for an https URL. */
  ca?: string;
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

const SESSION_COOKIE = 'vmware_soap_session';

/**
 * A SOAP session with one vCenter. It keeps the vmware_soap_session cookie
 * from Login and sends it with every later call.
 */
export class AdminClient {
  readonly url: string;
  readonly serviceContent: ServiceContentRefs;
  private readonly ca: string | undefined;
  private cookie: string | undefined;

  private constructor(url: string, serviceContent: ServiceContentRefs, ca: string | undefined) {
    this.url = url;
    this.serviceContent = serviceContent;
    this.ca = ca;
  }

  /** Reads the ServiceContent without logging in. */
  static async connect(url: string, options: AdminClientOptions = {}): Promise<AdminClient> {
    const anonymous = new AdminClient(url, placeholderContent(), options.ca);
    const xml = await anonymous.call('RetrieveServiceContent', { type: 'ServiceInstance', value: 'ServiceInstance' });
    return new AdminClient(url, parseServiceContent(xml), options.ca);
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
   * HTTP 500, and Error on any other status but 200.
   */
  async call(method: string, self: MoRef, bodyXml = ''): Promise<string> {
    const envelope =
      '<?xml version="1.0" encoding="UTF-8"?>' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
      ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<soapenv:Body><${method} xmlns="urn:vim25">` +
      `<_this type="${escapeXml(self.type)}">${escapeXml(self.value)}</_this>${bodyXml}` +
      `</${method}></soapenv:Body></soapenv:Envelope>`;

    const headers: Record<string, string> = {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: 'urn:vim25/7.0',
    };
    if (this.cookie !== undefined) headers.cookie = this.cookie;

    const res = await httpRequest(this.url, { method: 'POST', headers, body: envelope, ca: this.ca });
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

/** Refs used only for the RetrieveServiceContent call that replaces them. */
function placeholderContent(): ServiceContentRefs {
  const none = { type: '', value: '' };
  return { rootFolder: none, propertyCollector: none, viewManager: none, sessionManager: none };
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
