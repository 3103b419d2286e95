/**
 * How a stand-in tells that it ended by itself (local/ports.ts): the words `npm start` prints,
 * and a real loopback server followed by `watchServer`.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeExit,
  describeServiceEnd,
  type ServiceEnd,
  watchServer,
} from '../../local/ports.ts';

/** Whether `ended` has settled by the time everything already queued has run. */
const settled = async (ended: Promise<ServiceEnd>) => {
  let value: ServiceEnd | undefined;
  void ended.then((end) => {
    value = end;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return value;
};

let server: Server | undefined;

afterEach(async () => {
  if (server?.listening) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

const listening = async () => {
  const started = createServer();
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  server = started;
  return started;
};

describe('what an end says', () => {
  it('names a signal, else the exit code', () => {
    expect(describeExit(null, 'SIGKILL')).toBe('was killed by SIGKILL');
    expect(describeExit(143, null)).toBe('exited with code 143');
    expect(describeExit(0, null)).toBe('exited with code 0');
  });

  it('names the service, and its pid when it ran in a child process', () => {
    expect(
      describeServiceEnd({ service: 'DynamoDB Local', pid: 4321, how: 'was killed by SIGKILL' }),
    ).toBe('DynamoDB Local (pid 4321) was killed by SIGKILL');
    expect(describeServiceEnd({ service: 'KMS (stand-in)', how: 'closed' })).toBe(
      'KMS (stand-in) closed',
    );
  });
});

describe('watchServer', () => {
  it('tells of a server that fails after listening, naming the error code', async () => {
    const watched = watchServer('fauxqs (SQS)', await listening());
    server?.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
    expect(await settled(watched.ended)).toEqual({
      service: 'fauxqs (SQS)',
      how: 'failed (EMFILE)',
    });
  });

  it('tells of a server that closes unasked', async () => {
    const started = await listening();
    const watched = watchServer('KMS (stand-in)', started);
    await new Promise((resolve) => started.close(resolve));
    expect(await settled(watched.ended)).toEqual({ service: 'KMS (stand-in)', how: 'closed' });
  });

  it('says nothing of a server closed on purpose', async () => {
    const started = await listening();
    const watched = watchServer('KMS (stand-in)', started);
    watched.expectClose();
    await new Promise((resolve) => started.close(resolve));
    expect(await settled(watched.ended)).toBeUndefined();
  });
});
