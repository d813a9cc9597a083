import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { forbiddenAddressReason } from './outbound-address.js';

/** Resolves a host name to every address it has (`dns.lookup` with `all: true` by default). */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

/** Why an address may not be connected to, or null when it may. */
export type AddressPolicy = (address: string) => string | null;

export interface OutboundAgentOptions {
  /** WEBHOOK_ALLOW_PRIVATE: when true every address is allowed (local receivers in development). */
  allowPrivate: boolean;
  /** Longest wait for a TCP/TLS connection. */
  connectTimeoutMs: number;
  /** Replaces DNS (tests stand in for a hosts file with it). */
  resolve?: ResolveHost;
  /** Replaces the address rule; the default is `forbiddenAddressReason` unless `allowPrivate`. */
  addressPolicy?: AddressPolicy;
  /** Keep-alive connections per receiver origin. */
  connectionsPerOrigin?: number;
}

/** Thrown (as the connection error) when a webhook would reach an address the policy refuses. */
export class WebhookAddressRefusedError extends Error {
  override readonly name = 'WebhookAddressRefusedError';
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
}

/**
 * The undici dispatcher every webhook delivery goes through. The address rule is applied where the
 * connection is made, not to the URL: to every address a name resolves to (one refused address
 * refuses the name, so a DNS answer mixing a public and a private address cannot slip through), to
 * IP literals, which never reach a resolver, and once more to the socket's remote address after it
 * connected. A name that resolves to a public address when the webhook is saved and to 127.0.0.1
 * when it is delivered (DNS rebinding) is therefore refused at delivery.
 */
export function createOutboundAgent(options: OutboundAgentOptions): Agent {
  const policy: AddressPolicy = options.addressPolicy ?? (options.allowPrivate ? () => null : forbiddenAddressReason);
  const resolve = options.resolve ?? resolveWithDns;
  const baseConnect = buildConnector({ timeout: options.connectTimeoutMs, lookup: guardedLookup(resolve, policy) });
  const connect: buildConnector.connector = (connectOptions, callback) => {
    const host = connectOptions.hostname.replace(/^\[|\]$/g, '');
    const literalReason = isIP(host) ? policy(host) : null;
    if (literalReason) {
      callback(new WebhookAddressRefusedError(`refused to connect: ${literalReason}`), null);
      return;
    }
    baseConnect(connectOptions, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error('connection failed'), null);
        return;
      }
      const remoteReason = socket.remoteAddress ? policy(socket.remoteAddress) : 'the connected address is unknown';
      if (remoteReason) {
        socket.destroy();
        callback(new WebhookAddressRefusedError(`refused to connect: ${remoteReason}`), null);
        return;
      }
      callback(null, socket);
    });
  };
  return new Agent({ connect, connections: options.connectionsPerOrigin ?? 16, keepAliveTimeout: 4_000 });
}

/** A `net` lookup that resolves every address of the name and refuses the name if any is refused. */
function guardedLookup(resolve: ResolveHost, policy: AddressPolicy): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? addresses.filter((a) => a.family === lookupOptions.family) : addresses;
        const refused = addresses.map((a) => policy(a.address)).find((reason) => reason !== null);
        if (refused) throw new WebhookAddressRefusedError(`refused to connect to ${hostname}: ${refused}`);
        const first = wanted[0];
        if (!first) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
        if (lookupOptions.all) (callback as (e: null, a: LookupAddress[]) => void)(null, wanted);
        else callback(null, first.address, first.family);
      },
    ).catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };
}

function resolveWithDns(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}
