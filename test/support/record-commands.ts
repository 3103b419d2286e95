import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';

/** The names of the commands a client sends from now on, counted by an SDK middleware. */
export function recordCommands(client: DynamoDBClient | KMSClient): string[] {
  const commands: string[] = [];
  (client as DynamoDBClient).middlewareStack.add(
    (next, context) => (args) => {
      commands.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize' },
  );
  return commands;
}
