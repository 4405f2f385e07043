// RFC 5424 messages for the syslog channel:
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG
// The SD-ID vdrift@32473 uses private enterprise number 32473, which RFC 5612
// reserves for documentation. A deployment that needs its own number must
// change SD_ID.
//
// MSG is plain text when it is ASCII, and UTF-8 led by a BOM otherwise, the
// two forms RFC 5424 section 6.4 allows, so receivers that do not expect a
// BOM only see one for names that need it. Line breaks and other control
// characters become spaces, so each message is one line.
import type { Severity } from '../../model/finding.js';
import type { Notification, NotificationItem } from '../../model/notification.js';
import { TEST_HEADLINE, truncate } from '../format.js';

export const SD_ID = 'vdrift@32473';
export const TEST_MSGID = 'vdrift-test';

/** Facility codes of RFC 5424 section 6.2.1, by the names the config schema allows. */
const FACILITY_CODES: Record<string, number> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

/** Syslog severity codes: 2 crit, 3 err, 4 warning, 5 notice, 6 info. */
const SEVERITY_CODES: Record<Severity, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };

/** Header field lengths of RFC 5424 section 6. */
const MAX_HOSTNAME = 255;
const MAX_APP_NAME = 48;
const MAX_PROCID = 128;
const MAX_MSGID = 32;

/**
 * Longest expected or actual value in the structured data, in characters.
 * With long names a message then measured about 1,300 bytes.
 * NOTE: messages are not cut to a datagram size, so a UDP receiver with a
 * small size limit may truncate or drop one.
 */
const MAX_VALUE_CHARS = 256;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export interface SyslogOrigin {
  facility: string;
  appName: string;
  hostname: string;
  procId: number;
}

export function facilityCode(facility: string): number | undefined {
  return FACILITY_CODES[facility];
}

/** Formats one message per item, or one test message. Throws for an unknown facility. */
export function syslogMessages(notification: Notification, origin: SyslogOrigin): Buffer[] {
  const facility = facilityCode(origin.facility);
  if (facility === undefined) {
    throw new Error(`unknown syslog facility ${JSON.stringify(origin.facility)}`);
  }
  const timestamp = rfc3339(notification.createdAt);
  const header = (severity: Severity, msgId: string): string => headerText(origin, facility * 8 + SEVERITY_CODES[severity], timestamp, msgId);

  if (notification.test) {
    const params = { deliveryId: notification.deliveryId, test: 'true' };
    return [message(header('info', TEST_MSGID), params, `${TEST_HEADLINE}. ${notification.summary}`)];
  }
  return notification.items.map((item) => message(header(item.severity, item.rule), itemParams(item, notification.deliveryId), item.message));
}

function headerText(origin: SyslogOrigin, priority: number, timestamp: string, msgId: string): string {
  const fields = [
    `<${priority}>1`,
    timestamp,
    headerField(origin.hostname, MAX_HOSTNAME),
    headerField(origin.appName, MAX_APP_NAME),
    headerField(String(origin.procId), MAX_PROCID),
    headerField(msgId, MAX_MSGID),
  ];
  return fields.join(' ');
}

/**
 * Returns the SD-PARAMs of an item. An absent cluster, host, ruleset or
 * other optional value is left out, because RFC 5424 has no nil value for
 * PARAM-VALUE and "-" would read as a name.
 */
function itemParams(item: NotificationItem, deliveryId: string): Record<string, string | null> {
  return {
    deliveryId,
    reason: item.reason,
    fingerprint: item.fingerprint,
    rule: item.rule,
    severity: item.severity,
    previousSeverity: item.previousSeverity,
    vcenter: item.vcenter,
    cluster: item.cluster,
    host: item.host,
    ruleset: item.ruleset,
    firstSeen: item.firstSeen,
    resolvedAt: item.resolvedAt,
    ticket: item.ticket,
    changedBy: item.attribution?.userName ?? null,
    expected: compactJson(item.expected),
    actual: compactJson(item.actual),
  };
}

function message(header: string, params: Record<string, string | null>, text: string): Buffer {
  const sd = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => ` ${name}="${escapeParamValue(value)}"`)
    .join('');
  const msg = oneLine(text);
  const head = Buffer.from(`${header} [${SD_ID}${sd}] `, 'utf8');
  const ascii = /^[\x00-\x7f]*$/.test(msg);
  return Buffer.concat(ascii ? [head, Buffer.from(msg, 'ascii')] : [head, BOM, Buffer.from(msg, 'utf8')]);
}

/** Escapes `"`, `\` and `]` with a backslash, as RFC 5424 section 6.3.3 requires in PARAM-VALUE. */
export function escapeParamValue(value: string): string {
  return oneLine(value).replace(/["\\\]]/g, '\\$&');
}

/** Keeps printable US-ASCII only, as RFC 5424 requires in header fields, and gives NILVALUE for an empty field. */
function headerField(value: string, maxLength: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '').slice(0, maxLength);
  return printable === '' ? '-' : printable;
}

/**
 * Returns createdAt as an RFC 3339 timestamp in UTC, so that a retried
 * message keeps the time vdrift noticed the change. Falls back to the
 * current time if createdAt is not a date.
 */
function rfc3339(createdAt: string): string {
  const at = new Date(createdAt);
  return Number.isNaN(at.getTime()) ? new Date().toISOString() : at.toISOString();
}

function compactJson(value: unknown): string | null {
  return value === undefined ? null : truncate(JSON.stringify(value), MAX_VALUE_CHARS);
}

function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ');
}
