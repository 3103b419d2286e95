/**
 * `npm start`: the local stack. The verification core is all that exists so far; the next
 * step (DynamoDB Local, fauxqs, a KMS stand-in and an HTTP front) will start here.
 */
const lines = [
  'webhook-ingestion: local stack',
  '',
  'The verification core and the `webhooks` CLI are ready; the local ingest stack',
  '(DynamoDB Local, SQS via fauxqs, a loopback KMS stand-in and an API Gateway front)',
  'is not built yet, so nothing is started.',
  '',
  'Try the core now:',
  '  npx webhooks schemes',
  '  npx webhooks verify --help',
];
console.log(lines.join('\n'));
