/**
 * What the scheduled handlers share about the Lambda they run in: who they are, for the admin
 * records they write (the role's ARN, asked of STS once per container; GetCallerIdentity needs
 * no permission), and the variables the construct must have set.
 */
import { hostname } from 'node:os';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

/** The admin record's caller: the role's STS ARN, and the function as the host. */
export interface LambdaWriter {
  readonly actor: string;
  readonly host: string;
}

/**
 * The identity of the role `sts` runs as, memoised: a failed ask is forgotten, so the next
 * invocation asks again.
 */
export function lambdaWriter(sts: STSClient): () => Promise<LambdaWriter> {
  let writer: Promise<LambdaWriter> | undefined;
  return () => {
    writer ??= sts.send(new GetCallerIdentityCommand({})).then(
      ({ Arn }) => {
        if (!Arn) throw new Error('STS GetCallerIdentity named no ARN');
        const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
        return { actor: Arn, host: functionName ? `lambda:${functionName}` : hostname() };
      },
      (error: unknown) => {
        writer = undefined;
        throw error;
      },
    );
    return writer;
  };
}

/** The variable `name`, which `what` cannot run without. */
export function requiredVariable(name: string, what: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${what} needs ${name}`);
  return value;
}
