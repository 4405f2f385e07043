// The syslog channel's transports: UDP with one datagram per message
// (RFC 5426) and TCP with octet-counting framing, `MSG-LEN SP SYSLOG-MSG`
// (RFC 6587 section 3.4.1). Neither gives an application-level
// acknowledgement: UDP reports no lost datagram or stopped receiver, and TCP
// only shows that the bytes reached the receiving kernel.
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { createConnection, isIPv6 } from 'node:net';
import { hostname } from 'node:os';
import type { SyslogChannel } from '../../config/notification-types.js';
import type { Notification } from '../../model/notification.js';
import type { Deadline } from './deadline.js';
import { describeNetworkError } from './network-error.js';
import { DELIVERED, failed, type DeliveryResult } from './result.js';
import { facilityCode, syslogMessages } from './syslog-message.js';

export async function sendSyslog(channel: SyslogChannel, notification: Notification, deadline: Deadline): Promise<DeliveryResult> {
  if (facilityCode(channel.facility) === undefined) {
    return failed(`unknown facility ${JSON.stringify(channel.facility)}. Use one of the RFC 5424 names, for example local0`, false);
  }
  const messages = syslogMessages(notification, { facility: channel.facility, appName: channel.appName, hostname: hostname(), procId: process.pid });
  if (messages.length === 0) {
    return DELIVERED;
  }
  const address = isIPv6(channel.host) ? `[${channel.host}]:${channel.port}` : `${channel.host}:${channel.port}`;
  const target = `the syslog receiver ${address} (${channel.protocol.toUpperCase()})`;
  try {
    if (channel.protocol === 'tcp') {
      await sendTcp(channel.host, channel.port, Buffer.concat(messages.map(octetCounted)), deadline.signal);
    } else {
      await sendUdp(channel.host, channel.port, messages, deadline.signal);
    }
    return DELIVERED;
  } catch (err) {
    const { retryable, problem } = describeNetworkError(err, target, deadline.signal.aborted, deadline.seconds);
    return failed(problem, retryable);
  }
}

/** Frames a message as RFC 6587 octet counting: its length in bytes, a space, the message. */
export function octetCounted(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
}

/**
 * Connects, writes all frames and closes. The socket is destroyed as soon
 * as the kernel has the bytes. The kernel still sends them, then FIN,
 * because a syslog receiver sends nothing back that would cause a reset.
 */
function sendTcp(host: string, port: number, frames: Buffer, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = createConnection({ host, port });
    let settled = false;
    const abort = (): void => {
      socket.destroy();
      settle(signal.reason);
    };
    const settle = (err?: unknown): void => {
      if (settled) {
        return;
      }
      settled = true;
      signal.removeEventListener('abort', abort);
      if (err) {
        reject(err);
      } else {
        resolve();
      }
    };
    signal.addEventListener('abort', abort, { once: true });
    socket.on('error', settle);
    socket.once('connect', () => {
      socket.end(frames, () => {
        socket.destroy();
        settle();
      });
    });
  });
}

/** Sends each message as one datagram from a socket opened for this delivery alone. */
async function sendUdp(host: string, port: number, messages: Buffer[], signal: AbortSignal): Promise<void> {
  const { address, family } = await untilAborted(lookup(host), signal);
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await untilAborted(bind(socket), signal);
    for (const message of messages) {
      await untilAborted(sendDatagram(socket, message, port, address), signal);
    }
  } finally {
    socket.close();
  }
}

function bind(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.off('error', reject);
      // Send errors arrive in the send callback. This listener only keeps a late error from crashing the process.
      socket.on('error', () => undefined);
      resolve();
    });
  });
}

function sendDatagram(socket: dgram.Socket, message: Buffer, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(message, port, address, (err) => (err ? reject(err) : resolve()));
  });
}

/** Rejects with the signal's reason as soon as it aborts, whether or not work has finished. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
