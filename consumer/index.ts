/**
 * The consumer, as a user's code imports it: `createConsumer` and the types of what the user
 * writes and receives.
 */
export { type ConsumerOptions, createConsumer } from './consumer.ts';
export type { DeliveryEvent, Replay } from './delivery-event.ts';
export type { ConsumerOutcome, ConsumerReport } from './report.ts';
export type { DeliveryHandler, HandlerRoutes } from './routes.ts';
export type { ConsumerContext, SqsBatchResponse, SqsEvent, SqsRecord } from './sqs-event.ts';
