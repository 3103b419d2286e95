/**
 * Loopback-only HTTP serving for the local stand-ins (the KMS endpoint and the gateway):
 * development servers must never answer anything but this machine.
 */
import type { Server } from 'node:http';
import { type AddressInfo, BlockList, isIP } from 'node:net';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Whether a host to bind to is loopback: `localhost` or a loopback address. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/** Whether an address is in 127.0.0.0/8 or is ::1. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return loopback.check(address, 'ipv4');
  // BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against IPv4 rules.
  if (family === 6) return loopback.check(address, 'ipv6');
  return false;
}

/** Listens and resolves with the address actually bound, so callers can check it. */
export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep connections alive; without this, close waits for them to time out.
    server.closeAllConnections();
  });
}
