/**
 * What createConsumer refuses before it handles anything: settings under which a delivery's
 * handler could run more than once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsumer } from '../../consumer/consumer.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

const handler = async () => {};

describe('createConsumer refuses', () => {
  it('to run with Powertools idempotency switched off, under which every copy would run', () => {
    vi.stubEnv('POWERTOOLS_IDEMPOTENCY_DISABLED', 'true');
    expect(() => createConsumer({ handler, tableName: 'runs' })).toThrow(
      /unset POWERTOOLS_IDEMPOTENCY_DISABLED/,
    );
  });

  it('to forget a run sooner than a message can be handed over again', () => {
    expect(() => createConsumer({ handler, tableName: 'runs', rememberSeconds: 60 })).toThrow(
      /at least the queue's visibility timeout \(300 s\), not 60/,
    );
    expect(() =>
      createConsumer({ handler, tableName: 'runs', rememberSeconds: 300 }),
    ).not.toThrow();
  });

  it('to start without its table', () => {
    vi.stubEnv('CONSUMER_TABLE_NAME', '');
    expect(() => createConsumer({ handler })).toThrow(/needs its table/);
  });
});
