/**
 * The local gateway's integration timeout, as API Gateway's: a handler that has not answered
 * in time gets 504 `{"message":"Endpoint request timed out"}`, and its late answer is dropped.
 * Handlers of our own here, so no stack: the timeout is the gateway's alone, shortened.
 */
import { Agent, request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiGatewayIntegrationTimeoutMs } from '../../functions/config/limits.ts';
import type { HttpResponse } from '../../functions/ingest/ingest.ts';
import {
  InvalidIntegrationTimeoutError,
  type LocalGateway,
  type ProxyHandler,
  startGateway,
} from '../../local/gateway.ts';

/** Short, so that the test waits for it, not for 29 s. */
const integrationTimeoutMs = 200;

/** "It answers, it does not hang": far above the shortened timeout. */
const answerBoundMs = 10_000;

const accepted: HttpResponse = { statusCode: 202, headers: {}, body: '{"late":true}' };

let gateway: LocalGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  vi.restoreAllMocks();
});

/** A POST through `agent`, with the local port of the socket that carried it. */
function post(url: string, agent: Agent) {
  return new Promise<{ status: number; body: string; localPort: number }>((resolve, reject) => {
    const outgoing = httpRequest(url, { method: 'POST', agent }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        resolve({
          status: incoming.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          localPort: outgoing.socket?.localPort ?? 0,
        }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end('{}');
  });
}

describe("the local gateway's integration timeout", { timeout: answerBoundMs }, () => {
  it("is API Gateway's 29 s unless shortened", () => {
    expect(apiGatewayIntegrationTimeoutMs).toBe(29_000);
  });

  it('answers 504 "Endpoint request timed out" to a handler that never answers', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const neverAnswers: ProxyHandler = () => new Promise<HttpResponse>(() => undefined);
    gateway = await startGateway({ handler: neverAnswers, integrationTimeoutMs });
    const began = performance.now();
    const response = await fetch(`${gateway.url}/v1/webhooks/stripe-live`, {
      method: 'POST',
      body: '{}',
    });
    expect(performance.now() - began).toBeGreaterThanOrEqual(integrationTimeoutMs - 1);
    expect(response.status).toBe(504);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ message: 'Endpoint request timed out' });
    expect(stderr).toHaveBeenCalledWith(
      `gateway: the handler did not answer within ${integrationTimeoutMs} ms (API Gateway's integration timeout): answered 504; its late answer is dropped`,
    );
  });

  it('drops the late answer, and the kept-alive connection serves the next request', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let lateAnswered: () => void = () => undefined;
    const answeredLate = new Promise<void>((resolve) => {
      lateAnswered = resolve;
    });
    let calls = 0;
    const handler: ProxyHandler = async () => {
      calls += 1;
      if (calls > 1) return { statusCode: 200, headers: {}, body: '{"second":true}' };
      await new Promise((resolve) => setTimeout(resolve, 2 * integrationTimeoutMs));
      lateAnswered();
      return accepted;
    };
    gateway = await startGateway({ handler, integrationTimeoutMs });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = `${gateway.url}/v1/webhooks/stripe-live`;
      const first = await post(url, agent);
      expect(first).toMatchObject({
        status: 504,
        body: '{"message":"Endpoint request timed out"}',
      });
      await answeredLate;
      // Let the late answer reach the gateway's side of the connection, if it were written.
      await new Promise((resolve) => setImmediate(resolve));
      const second = await post(url, agent);
      expect(second).toMatchObject({ status: 200, body: '{"second":true}' });
      expect(second.localPort).toBe(first.localPort);
    } finally {
      agent.destroy();
    }
  });

  it('answers a handler that answers in time as it answered', async () => {
    gateway = await startGateway({ handler: async () => accepted, integrationTimeoutMs });
    const response = await fetch(`${gateway.url}/v1/webhooks/stripe-live`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('{"late":true}');
  });

  it('refuses a timeout a timer cannot wait, naming it', async () => {
    for (const value of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      await expect(
        startGateway({ handler: async () => accepted, integrationTimeoutMs: value }),
      ).rejects.toThrow(new InvalidIntegrationTimeoutError(value));
    }
  });
});
