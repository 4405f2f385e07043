// Hostile RetrievePropertiesEx responses for the 'body' action. Each is a
// SOAP envelope shaped like a real response, so that a client reaches the
// hostile part only by parsing it.
import { soapEnvelope } from './soap-bodies.js';

const MEBIBYTE = 1024 * 1024;

/** Wraps the val content of one host's "name" property in a RetrievePropertiesEx response. */
function hostNameResponse(valueXml: string): string {
  return (
    '<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects>' +
    '<obj type="HostSystem">host-1</obj>' +
    `<propSet><name>name</name><val xsi:type="xsd:string">${valueXml}</val></propSet>` +
    '</objects></returnval></RetrievePropertiesExResponse>'
  );
}

export const hostileBodies = {
  /** Builds a response with a DOCTYPE whose internal subset defines an entity that the host name uses. */
  doctype(): string {
    const prolog = '<!DOCTYPE soapenv:Envelope [\n  <!ENTITY hostName "esx-from-doctype">\n]>';
    return soapEnvelope(hostNameResponse('&hostName;'), prolog);
  },

  /**
   * Builds the "billion laughs" entity expansion: lol9 expands to 10^9
   * copies of "lol", 3 GB, from a body of under 2 KiB.
   */
  billionLaughs(): string {
    const entities = ['  <!ENTITY lol "lol">'];
    for (let level = 1; level <= 9; level += 1) {
      const previous = level === 1 ? 'lol' : `lol${level - 1}`;
      entities.push(`  <!ENTITY lol${level} "${`&${previous};`.repeat(10)}">`);
    }
    const prolog = `<!DOCTYPE soapenv:Envelope [\n${entities.join('\n')}\n]>`;
    return soapEnvelope(hostNameResponse('&lol9;'), prolog);
  },

  /**
   * Builds a response whose host name is an external entity with systemId.
   * The default names a local file, so a parser that resolves it reads the
   * disk but contacts no other host.
   */
  externalEntity(systemId = 'file:///etc/passwd'): string {
    const prolog = `<!DOCTYPE soapenv:Envelope [\n  <!ENTITY external SYSTEM "${systemId}">\n]>`;
    return soapEnvelope(hostNameResponse('&external;'), prolog);
  },

  /** Builds a response whose host name value contains depth nested elements. */
  deepNesting(depth: number): string {
    if (!Number.isSafeInteger(depth) || depth < 1) {
      throw new RangeError(`deepNesting depth must be a positive integer, got ${depth}`);
    }
    return soapEnvelope(hostNameResponse(`${'<n>'.repeat(depth)}deep${'</n>'.repeat(depth)}`));
  },

  /**
   * Builds a well-formed response of at least megabytes MiB, with as many
   * HostSystem objects with a padded name property as it takes.
   */
  huge(megabytes: number): string {
    if (!Number.isFinite(megabytes) || megabytes <= 0) {
      throw new RangeError(`huge megabytes must be a positive number, got ${megabytes}`);
    }
    const padding = 'x'.repeat(1000);
    const objectXml = (index: number): string =>
      `<objects><obj type="HostSystem">host-${index}</obj>` +
      `<propSet><name>name</name><val xsi:type="xsd:string">esx-${index}-${padding}</val></propSet></objects>`;
    const count = Math.ceil((megabytes * MEBIBYTE) / objectXml(0).length);

    const objects: string[] = [];
    for (let index = 0; index < count; index += 1) objects.push(objectXml(index));
    return soapEnvelope(
      `<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>${objects.join('')}</returnval></RetrievePropertiesExResponse>`,
    );
  },
};
