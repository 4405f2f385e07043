// SOAP and HTML bodies that the fault proxy sends in place of, or rewrites
// from, vCenter's responses. Envelopes declare the same namespaces as
// vCenter's, with xsi bound on the Envelope element.
import { STATUS_CODES } from 'node:http';

const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

const ENVELOPE_START =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"' +
  ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
  ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"' +
  ` xmlns:xsi="${XSI_NAMESPACE}"><soapenv:Body>`;
const ENVELOPE_END = '</soapenv:Body></soapenv:Envelope>';

/** Wraps bodyXml in a SOAP envelope. A prolog, such as a DOCTYPE, goes between the XML declaration and the envelope. */
export function soapEnvelope(bodyXml: string, prolog = ''): string {
  if (prolog === '') return `${ENVELOPE_START}${bodyXml}${ENVELOPE_END}`;
  const [declaration, envelope] = ENVELOPE_START.split('\n');
  return `${declaration}\n${prolog}\n${envelope}${bodyXml}${ENVELOPE_END}`;
}

/**
 * Returns the local name of the first child element of the SOAP Body, for
 * example "RetrievePropertiesEx", or "" when the request has no SOAP Body.
 */
export function soapMethodOf(requestBody: string): string {
  const match = /<(?:[A-Za-z_][\w.-]*:)?Body\b[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(requestBody);
  return match?.[1] ?? '';
}

/** Builds a vim25 fault envelope as vCenter sends it with HTTP 500. */
export function soapFaultEnvelope(faultName: string, message: string): string {
  return soapEnvelope(
    '<soapenv:Fault><faultcode>ServerFaultCode</faultcode>' +
      `<faultstring>${escapeXml(message)}</faultstring>` +
      `<detail><${faultName}Fault xmlns="urn:vim25" xsi:type="${faultName}"></${faultName}Fault></detail>` +
      '</soapenv:Fault>',
  );
}

/**
 * Builds the response of method with an empty returnval, as when a
 * RetrievePropertiesEx finds no objects. Without a method (a request that
 * has no SOAP Body) it builds a RetrievePropertiesExResponse.
 */
export function emptyResultEnvelope(method: string): string {
  const element = `${method === '' ? 'RetrievePropertiesEx' : method}Response`;
  return soapEnvelope(`<${element} xmlns="urn:vim25"><returnval></returnval></${element}>`);
}

/** Builds a small HTML error page like those of nginx or a cloud load balancer. */
export function htmlErrorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return (
    `<html>\r\n<head><title>${title}</title></head>\r\n` +
    `<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>load balancer</center>\r\n</body>\r\n</html>\r\n`
  );
}

/**
 * Replaces every propSet that is a direct child of an objects element with a
 * missingSet that reports NotAuthenticated for the same path, as vCenter may
 * return from RetrievePropertiesEx when the session expired during the call.
 * Declares xsi on each new fault element when the envelope does not bind it.
 */
export function replacePropSetsWithNotAuthenticated(xml: string): string {
  const bindsXsi = xml.includes(`xmlns:xsi="${XSI_NAMESPACE}"`);
  const xsiDeclaration = bindsXsi ? '' : ` xmlns:xsi="${XSI_NAMESPACE}"`;

  let result = '';
  let copied = 0;
  for (const objects of topLevelElements(xml, 'objects', 0, xml.length)) {
    const objectXml = xml.slice(objects.start, objects.end);
    const obj = /^<objects\b[^>]*>\s*<obj type="([^"]*)">([^<]*)<\/obj>/.exec(objectXml);
    const objType = obj?.[1] ?? '';
    const objValue = obj?.[2] ?? '';

    for (const propSet of topLevelElements(xml, 'propSet', objects.contentStart, objects.contentEnd)) {
      const path = /^<propSet\b[^>]*>\s*<name>([^<]*)<\/name>/.exec(xml.slice(propSet.start, propSet.end))?.[1] ?? '';
      result += xml.slice(copied, propSet.start);
      result +=
        `<missingSet><path>${path}</path><fault>` +
        `<fault${xsiDeclaration} xsi:type="NotAuthenticated"><object type="${objType}">${objValue}</object>` +
        '<privilegeId>System.Read</privilegeId></fault><localizedMessage></localizedMessage></fault></missingSet>';
      copied = propSet.end;
    }
  }
  return result + xml.slice(copied);
}

interface ElementSpan {
  start: number;
  end: number;
  contentStart: number;
  contentEnd: number;
}

/**
 * Returns the elements named name (without a prefix) in xml[from, to) that
 * are not nested in another element of that name. Self-closing elements are
 * skipped, because they contain nothing to replace.
 */
function topLevelElements(xml: string, name: string, from: number, to: number): ElementSpan[] {
  const tags = new RegExp(`<(/?)${name}\\b[^>]*?(/?)>`, 'g');
  tags.lastIndex = from;

  const spans: ElementSpan[] = [];
  let depth = 0;
  let start = 0;
  let contentStart = 0;
  for (let tag = tags.exec(xml); tag !== null && tag.index < to; tag = tags.exec(xml)) {
    const closing = tag[1] === '/';
    const selfClosing = tag[2] === '/';
    if (selfClosing) continue;

    if (!closing) {
      if (depth === 0) {
        start = tag.index;
        contentStart = tags.lastIndex;
      }
      depth += 1;
    } else if (depth > 0) {
      depth -= 1;
      if (depth === 0) spans.push({ start, end: tags.lastIndex, contentStart, contentEnd: tag.index });
    }
  }
  return spans;
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
