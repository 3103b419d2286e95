/**
 * Header and query parameter names that are also Object.prototype's (`__proto__`,
 * `constructor`, …) reach the handler as data through the local gateway, and whatever the
 * gateway cannot handle is answered and logged, never a dropped connection. Real HTTP through
 * fetch and node:http; the ingest handler against the whole local stack, or handlers of our own.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HttpResponse } from '../../functions/ingest/ingest.ts';
import {
  type LocalGateway,
  type LocalProxyEvent,
  type ProxyHandler,
  startGateway,
} from '../../local/gateway.ts';
import { protoKey, prototypeNames } from '../support/prototype-names.ts';
import { registerProvider } from '../support/providers.ts';
import { type GatewayStack, startBudgetMs, startGatewayStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-live';
const secret = 'whsec_gateway_header_names_secret';

/** The query every request with such names carries: a parameter named `__proto__`. */
const prototypeQuery = '?__proto__=query-value';

type HeaderPairs = readonly (readonly [string, string])[];

interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * A request through node:http with these exact header names, letter case and repeats
 * included (fetch would send `tostring` for `toString`), and this exact request target.
 */
function post(url: string, path: string, headers: HeaderPairs = [], body = '{}') {
  // With headers as an array node:http adds none of its own, so Host and the length go first.
  const raw: HeaderPairs = [
    ['host', new URL(url).host],
    ['content-length', String(Buffer.byteLength(body))],
    ...headers,
  ];
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      // The array form of `headers`: name, value, name, value…, as rawHeaders reads.
      { method: 'POST', path, headers: raw.flat() },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('the local gateway, with prototype names, in front of the ingest handler', () => {
  let running: GatewayStack;

  beforeAll(async () => {
    running = await startGatewayStack();
    await registerProvider(running, providerId, secret);
  }, startBudgetMs);

  afterAll(() => running?.close());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** POSTs a delivery with id `deliveryId`, signed as Stripe signs, plus `extra` headers. */
  const postSigned = async (deliveryId: string, extra: HeaderPairs = [], query = '') => {
    const body = JSON.stringify({ id: deliveryId, type: 'invoice.paid' });
    const signature = stripeDelivery(providerId, secret, body).headers?.['stripe-signature'];
    const headers: HeaderPairs = [
      ['content-type', 'application/json'],
      ['stripe-signature', String(signature)],
      ...extra,
    ];
    const answer = await post(
      running.gateway.url,
      `/v1/webhooks/${providerId}${query}`,
      headers,
      body,
    );
    return { status: answer.status, body: JSON.parse(answer.body) as unknown };
  };

  it.each(prototypeNames)(
    'answers a signed delivery with a `%s` header and a `__proto__` parameter as it answers one without',
    async (name) => {
      const stderr = vi.spyOn(console, 'error');
      const without = await postSigned(`evt_without_${name}`);
      const withName = await postSigned(
        `evt_with_${name}`,
        [[name, 'header-value']],
        prototypeQuery,
      );
      expect(without).toEqual({ status: 202, body: { deliveryId: `evt_without_${name}` } });
      expect(withName).toEqual({ status: 202, body: { deliveryId: `evt_with_${name}` } });
      expect(stderr).not.toHaveBeenCalled();
    },
  );

  it('answers 202 to all five names at once, each sent twice and in upper case too, and queues it', async () => {
    const stderr = vi.spyOn(console, 'error');
    await running.drainQueue();
    const extra = prototypeNames.flatMap((name): [string, string][] => [
      [name, 'first'],
      [name.toUpperCase(), 'second'],
    ]);
    const answer = await postSigned(
      'evt_all_prototype_names',
      extra,
      `${prototypeQuery}&__proto__=2`,
    );
    expect(answer).toEqual({ status: 202, body: { deliveryId: 'evt_all_prototype_names' } });
    const queued = await running.drainQueue();
    expect(queued.map(({ envelope }) => envelope.deliveryId)).toEqual(['evt_all_prototype_names']);
    expect(stderr).not.toHaveBeenCalled();
  });
});

describe('the proxy event the local gateway builds', () => {
  let gateway: LocalGateway | undefined;

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    vi.restoreAllMocks();
  });

  const accepted: HttpResponse = { statusCode: 202, headers: {}, body: '{}' };

  /** Starts a gateway whose handler keeps the events it gets. */
  const startRecording = async () => {
    const events: LocalProxyEvent[] = [];
    gateway = await startGateway({
      handler: async (event) => {
        events.push(event);
        return accepted;
      },
    });
    return { url: gateway.url, events };
  };

  it('carries every prototype name, headers and query parameters, as data of its own', async () => {
    const { url, events } = await startRecording();
    const headers = prototypeNames.flatMap((name): [string, string][] => [
      [name, `${name}-1`],
      [name, `${name}-2`],
    ]);
    const answer = await post(url, `/v1/webhooks/${providerId}?__proto__=a&__proto__=b`, headers);
    expect(answer.status).toBe(202);
    const [event] = events;
    for (const name of prototypeNames) {
      expect(Object.hasOwn(event?.headers ?? {}, name)).toBe(true);
      expect(event?.headers[name]).toBe(`${name}-2`);
      expect(event?.multiValueHeaders[name]).toEqual([`${name}-1`, `${name}-2`]);
    }
    expect(Object.hasOwn(event?.queryStringParameters ?? {}, protoKey)).toBe(true);
    expect(event?.queryStringParameters?.[protoKey]).toBe('b');
    expect(event?.multiValueQueryStringParameters?.[protoKey]).toEqual(['a', 'b']);
    // As the Lambda runtime hands it over: JSON, where `__proto__` is an ordinary key.
    const delivered = JSON.parse(JSON.stringify(event)) as LocalProxyEvent;
    expect(Object.keys(delivered.headers)).toEqual(expect.arrayContaining([...prototypeNames]));
    expect(delivered.multiValueQueryStringParameters).toEqual({ ['__proto__']: ['a', 'b'] });
  });

  it('shows no Object.prototype member as a header or parameter that was not sent', async () => {
    const { url, events } = await startRecording();
    await post(url, `/v1/webhooks/${providerId}?a=1`);
    const [event] = events;
    for (const name of prototypeNames.filter((name) => name !== '__proto__')) {
      expect(event?.headers[name]).toBeUndefined();
      expect(event?.multiValueHeaders[name]).toBeUndefined();
      expect(event?.queryStringParameters?.[name]).toBeUndefined();
      expect(event?.multiValueQueryStringParameters?.[name]).toBeUndefined();
    }
  });
});

describe('what the local gateway cannot handle', () => {
  let gateway: LocalGateway | undefined;

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    vi.restoreAllMocks();
  });

  it('answers 404 to a request target that is no path of its own, such as `//`', async () => {
    const handler = vi.fn<ProxyHandler>(async () => ({ statusCode: 202, headers: {}, body: '' }));
    gateway = await startGateway({ handler });
    for (const path of ['//', '//other.example/v1/webhooks/stripe-live']) {
      expect(await post(gateway.url, path)).toEqual({
        status: 404,
        body: '{"error":"not_found"}',
      });
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it('logs a request its client abandoned mid-body, with nothing left to answer', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const handler = vi.fn<ProxyHandler>(async () => ({ statusCode: 202, headers: {}, body: '' }));
    gateway = await startGateway({ handler });
    const { hostname, port } = new URL(gateway.url);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /v1/webhooks/${providerId} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: 100\r\n\r\n{}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await vi.waitFor(() =>
      expect(stderr).toHaveBeenCalledWith(
        'gateway: could not answer a request (Error ECONNRESET): the connection was closed',
      ),
    );
    expect(handler).not.toHaveBeenCalled();
  });

  it("answers 502, as API Gateway does to a malformed proxy response, and logs it, when the handler's answer cannot be written", async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const malformed: ProxyHandler = async () => ({
      statusCode: 202,
      headers: { 'x-split': 'a\r\nb' },
      body: '{}',
    });
    gateway = await startGateway({ handler: malformed });
    const response = await post(gateway.url, `/v1/webhooks/${providerId}`);
    expect(response).toEqual({ status: 502, body: '{"message":"Internal server error"}' });
    expect(stderr).toHaveBeenCalledWith(
      'gateway: could not answer a request (TypeError ERR_INVALID_CHAR): answered 502',
    );
  });
});
