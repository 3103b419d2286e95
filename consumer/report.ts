/** What the consumer says of each message it handles: the outcome and the delivery's ids. */
import type { consumerOutcomes } from '../functions/config/telemetry.ts';

/** What became of one message: `consumerOutcomes` (functions/config/telemetry.ts) says each. */
export type ConsumerOutcome = (typeof consumerOutcomes)[number];

/** One message's outcome, as the consumer reports it. */
export interface ConsumerReport {
  readonly outcome: ConsumerOutcome;
  readonly messageId: string;
  /** @default - absent when the message could not be opened */
  readonly providerId?: string;
  readonly deliveryId?: string;
  readonly eventType?: string;
  /** The failure's class and message (never the body). @default - absent unless failed */
  readonly error?: string;
  /** How many times SQS has handed this message over, this one included. */
  readonly receiveCount: number;
}
