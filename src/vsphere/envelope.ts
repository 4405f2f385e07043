// Request bodies for the vim25 SOAP API. vCenter validates element order
// against the WSDL sequences, so builders emit children in schema order.
import { escapeXml } from './xml/escape.js';
import type { ManagedObjectReference } from './xml/spec.js';

export const VIM25_NAMESPACE = 'urn:vim25';

export function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
    ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"' +
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

/** The element of a method call: `<Method xmlns="urn:vim25"><_this …/>…</Method>`. */
export function methodCall(method: string, self: ManagedObjectReference, params = ''): string {
  return `<${method} xmlns="${VIM25_NAMESPACE}">${ref('_this', self)}${params}</${method}>`;
}

export function ref(name: string, value: ManagedObjectReference): string {
  return `<${name} type="${escapeXml(value.type)}">${escapeXml(value.value)}</${name}>`;
}

export function text(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function texts(name: string, values: readonly string[]): string {
  return values.map((value) => text(name, value)).join('');
}
