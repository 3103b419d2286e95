import { afterEach, describe, expect, it, vi } from 'vitest';
import { outcomeMetrics } from '../../consumer/outcome-metrics.ts';
import { consumerTelemetry, telemetry } from '../../functions/config/telemetry.ts';

/** The JSON lines written to standard output while `run` runs. */
function linesWritten(run: () => void): Record<string, unknown>[] {
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    write.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("the consumer's default report", () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one EMF line per message, counting its outcome under the function it ran in', () => {
    const report = outcomeMetrics('payments-consumer');
    const lines = linesWritten(() => {
      report({
        outcome: 'ran',
        messageId: 'm-1',
        providerId: 'stripe',
        deliveryId: 'evt_1',
        receiveCount: 1,
      });
      report({ outcome: 'failed', messageId: 'm-2', error: 'Error: boom', receiveCount: 3 });
    });
    expect(lines).toHaveLength(2);
    const [ran, failed] = lines as [Record<string, unknown>, Record<string, unknown>];
    expect(ran).toMatchObject({
      ran: 1,
      service: consumerTelemetry.serviceName,
      [consumerTelemetry.functionDimension]: 'payments-consumer',
      providerId: 'stripe',
      deliveryId: 'evt_1',
      messageId: 'm-1',
      receiveCount: '1',
    });
    const directive = (ran._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics[0];
    expect(directive).toEqual({
      Namespace: telemetry.metricsNamespace,
      Dimensions: [['service', consumerTelemetry.functionDimension]],
      Metrics: [{ Name: 'ran', Unit: 'Count' }],
    });
    expect(failed).toMatchObject({ failed: 1, error: 'Error: boom', receiveCount: '3' });
    expect(failed).not.toHaveProperty('ran');
  });
});
