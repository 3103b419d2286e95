import type { DeliveryRequest, HeaderInput } from '../../functions/verify/types.ts';
import { fixedClock } from '../support/clock.ts';

/** A POST delivery with a UTF-8 body, for tests. */
export function delivery(
  headers: HeaderInput,
  body: string | Uint8Array,
  url = 'https://hooks.example.com/v1/webhooks/test',
  method = 'POST',
): DeliveryRequest {
  return { method, url, headers, body: typeof body === 'string' ? Buffer.from(body) : body };
}

/** Unix seconds as the millisecond clock the core reads. */
export const at = (unixSeconds: number) => fixedClock(unixSeconds * 1000);
