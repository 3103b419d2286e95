/**
 * Where each stand-in of the local stack listens, checked from the outside: a TCP connection to
 * this machine's own non-loopback addresses (what another machine on the LAN would reach) on
 * each one's port. The gateway, the KMS stand-in and fauxqs (SQS and S3) listen on 127.0.0.1
 * only, so those connections are refused; DynamoDB Local cannot be bound (docs/local-stack.md,
 * "What listens where"), and the test pins that too, so the docs change with it.
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayStack, startBudgetMs, startGatewayStack } from '../support/stack.ts';

type Reach = 'connected' | 'refused' | 'timed out';

/** Long enough for a loopback connect on a loaded machine; a filtered port would take longer. */
const connectTimeoutMs = 3_000;

/** Whether a TCP connection to host:port is accepted, refused, or left unanswered. */
function reach(host: string, port: number): Promise<Reach> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: connectTimeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timed out');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolve('refused');
      else reject(error);
    });
  });
}

/**
 * This machine's addresses other than loopback, as another host would use them. Link-local
 * IPv6 (fe80::/10) is left out: it needs a zone, and the global ones cover IPv6.
 */
const externalAddresses = Object.values(networkInterfaces())
  .flatMap((addresses) => addresses ?? [])
  .filter((address) => !address.internal && !address.address.toLowerCase().startsWith('fe80:'))
  .map((address) => address.address);

const portOf = (url: string) => Number(new URL(url).port);

/** The stand-ins that can be, and are, bound to 127.0.0.1. */
const loopbackOnly = ['the gateway', 'the KMS stand-in', 'fauxqs (SQS and S3)'] as const;
type LoopbackOnly = (typeof loopbackOnly)[number];

describe.skipIf(externalAddresses.length === 0)(
  'where the local stand-ins listen, seen from non-loopback addresses',
  () => {
    let running: GatewayStack;
    let listeners: Record<LoopbackOnly | 'DynamoDB Local', string>;

    beforeAll(async () => {
      running = await startGatewayStack();
      const { endpoints } = running.stack;
      expect(endpoints.s3).toBe(endpoints.sqs);
      listeners = {
        'the gateway': running.gateway.url,
        'the KMS stand-in': endpoints.kms,
        'fauxqs (SQS and S3)': endpoints.sqs,
        'DynamoDB Local': endpoints.dynamodb,
      };
    }, startBudgetMs);

    afterAll(() => running?.close());

    it('names 127.0.0.1 in every endpoint, and each answers there', async () => {
      for (const url of Object.values(listeners)) {
        expect(new URL(url).hostname).toBe('127.0.0.1');
        expect(await reach('127.0.0.1', portOf(url))).toBe('connected');
      }
    });

    it.each(loopbackOnly)('%s refuses connections on every non-loopback address', async (name) => {
      const port = portOf(listeners[name]);
      for (const address of externalAddresses) {
        expect({ address, reach: await reach(address, port) }).toEqual({
          address,
          reach: 'refused',
        });
      }
    });

    it('DynamoDB Local, which has no bind option, accepts them: the documented exception', async () => {
      const port = portOf(listeners['DynamoDB Local']);
      for (const address of externalAddresses) {
        expect({ address, reach: await reach(address, port) }).toEqual({
          address,
          reach: 'connected',
        });
      }
    });
  },
);
