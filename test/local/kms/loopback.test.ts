import { describe, expect, it } from 'vitest';
import { NonLoopbackAddressError } from '../../../local/kms/errors.ts';
import { startKmsStandIn } from '../../../local/kms/server.ts';

describe('loopback only', () => {
  it.each(['0.0.0.0', '::', '192.0.2.10', '::ffff:10.0.0.1', 'example.com', ''])(
    "refuses to listen on '%s', naming the address",
    async (host) => {
      const refused = startKmsStandIn({ host });
      await expect(refused).rejects.toBeInstanceOf(NonLoopbackAddressError);
      await expect(refused).rejects.toMatchObject({
        address: host,
        code: 'non_loopback_address',
        message: expect.stringContaining(`'${host}'`),
      });
    },
  );

  it.each([
    ['127.0.0.1', /^http:\/\/127\.0\.0\.1:\d+$/],
    ['127.0.0.2', /^http:\/\/127\.0\.0\.2:\d+$/],
    ['::1', /^http:\/\/\[::1\]:\d+$/],
    ['localhost', /^http:\/\/(127\.0\.0\.1|\[::1\]):\d+$/],
  ])('listens on %s on a port the OS picks and returns the URL', async (host, url) => {
    const standIn = await startKmsStandIn({ host });
    try {
      expect(standIn.url).toMatch(url);
      expect(Number(new URL(standIn.url).port)).toBeGreaterThan(0);
    } finally {
      await standIn.close();
    }
  });

  it('listens on 127.0.0.1 by default', async () => {
    const standIn = await startKmsStandIn();
    await standIn.close();
    expect(standIn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
