/**
 * `npm start -- --consumer <module>` (local/consumer-loop.ts): the user's module runs on the
 * local queue through the same consumer code, each delivery once; a throw is retried after the
 * visibility timeout; every outcome is a line; a module without a handler is refused.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerTable } from '../../functions/config/tables.ts';
import { createIngestPorts } from '../../functions/ingest/handler.ts';
import { readHttpEvent } from '../../functions/ingest/http-event.ts';
import { type IngestPorts, ingest } from '../../functions/ingest/ingest.ts';
import { ConsumerModuleError, startLocalConsumer } from '../../local/consumer-loop.ts';
import { registerProvider } from '../support/providers.ts';
import { type IngestStack, startBudgetMs, startIngestStack } from '../support/stack.ts';
import { stripeDelivery } from '../support/stripe-delivery.ts';

const providerId = 'stripe-local-consumer';
const secret = 'whsec_local_consumer_secret';

let stack: IngestStack;
let ports: IngestPorts;
let folder: string;

beforeAll(async () => {
  stack = await startIngestStack();
  await registerProvider(stack, providerId, secret);
  ports = createIngestPorts();
  folder = await mkdtemp(join(tmpdir(), 'webhooks-consumer-module-'));
}, startBudgetMs);

afterAll(async () => {
  await stack?.close();
});

const until = async (done: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
};

describe('npm start -- --consumer', () => {
  it("runs the module's handler once per delivery, retrying a throw after the visibility timeout", async () => {
    const modulePath = join(folder, 'handler.mjs');
    // The module keeps its calls where the test can read them: a global, as it shares the process.
    await writeFile(
      modulePath,
      [
        'const calls = (globalThis.__consumerCalls ??= []);',
        'let failed = false;',
        'export default async (event) => {',
        '  const { id } = event.json();',
        "  if (id === 'evt_local_throws' && !failed) { failed = true; throw new Error('not yet'); }",
        "  calls.push([event.providerId, event.deliveryId, event.eventType].join(' '));",
        '};',
      ].join('\n'),
    );
    const lines: string[] = [];
    const consumer = await startLocalConsumer({
      modulePath,
      queueUrl: stack.stack.resources.queueUrl,
      tableName: consumerTable.localName,
      log: (line) => lines.push(line),
      timeoutSeconds: 1,
    });
    try {
      for (const id of ['evt_local_1', 'evt_local_throws']) {
        const body = JSON.stringify({ id, type: 'invoice.paid', object: 'event' });
        const { response } = await ingest(
          readHttpEvent(stripeDelivery(providerId, secret, body)),
          ports,
          Date.now,
        );
        expect(response.statusCode).toBe(202);
      }
      const calls = () => (globalThis as { __consumerCalls?: string[] }).__consumerCalls ?? [];
      await until(() => calls().length >= 2);
      expect([...calls()].sort()).toEqual([
        `${providerId} evt_local_1 invoice.paid`,
        `${providerId} evt_local_throws invoice.paid`,
      ]);
    } finally {
      await consumer.stop();
    }
    expect(lines).toContain(`consumer: ran ${providerId} evt_local_1 (invoice.paid)`);
    expect(lines).toContain(
      `consumer: failed ${providerId} evt_local_throws (invoice.paid): Error: not yet; receive 1, left on the queue`,
    );
    expect(lines).toContain(`consumer: ran ${providerId} evt_local_throws (invoice.paid)`);
  }, 30_000);

  it('refuses a module whose default export is no handler, naming what it must export', async () => {
    const modulePath = join(folder, 'empty.mjs');
    await writeFile(modulePath, 'export const notDefault = 1;\n');
    const starting = startLocalConsumer({
      modulePath,
      queueUrl: stack.stack.resources.queueUrl,
      tableName: consumerTable.localName,
    });
    await expect(starting).rejects.toThrow(ConsumerModuleError);
    await expect(starting).rejects.toThrow(/must export default a function/);
  });
});
