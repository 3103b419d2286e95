/**
 * Reads what the report's metadata (metadata.ts) names from outside the process: the git
 * commit of the working tree, the installed versions of the tools, a template file's SHA-256
 * and the caller's identity. Each failure is said in the metadata, never guessed over.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import {
  type CallerIdentity,
  type CommitState,
  reportedPackages,
  type ToolVersions,
} from './metadata.ts';
import { failure } from './observed.ts';
import { isRecord } from './template.ts';

const run = promisify(execFile);

/** The commit checked out at `root`, and whether the tree has changes it does not hold. */
export async function commitOf(root: string): Promise<CommitState> {
  try {
    const { stdout: sha } = await run('git', ['rev-parse', 'HEAD'], { cwd: root });
    const { stdout: status } = await run('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
    });
    return { status: 'git', sha: sha.trim(), dirty: status.trim() !== '' };
  } catch {
    return { status: 'not-git', reason: `${root} is not a git checkout (or git is not installed)` };
  }
}

/** Node's version, this product's, and each of `reportedPackages` as installed under `root`. */
export async function toolVersions(root: string, ownVersion: string): Promise<ToolVersions> {
  const entries = await Promise.all(
    reportedPackages.map(async (name) => {
      try {
        const json: unknown = JSON.parse(
          await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8'),
        );
        return [name, isRecord(json) ? String(json.version) : 'unknown'] as const;
      } catch {
        return [name, 'not installed'] as const;
      }
    }),
  );
  return {
    node: process.version,
    webhookIngestion: ownVersion,
    packages: Object.fromEntries(entries),
  };
}

/** SHA-256 (hex) of a file's bytes. */
export async function fileSha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** The ARN and account of the credentials in use (STS GetCallerIdentity needs no permission). */
export async function callerOf(sts: STSClient): Promise<CallerIdentity> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (identity?.Arn && identity.Account) {
      return { status: 'read', arn: identity.Arn, account: identity.Account };
    }
    return { status: 'not-read', reason: 'STS GetCallerIdentity named no ARN' };
  } catch (error) {
    return { status: 'not-read', reason: failure('sts:GetCallerIdentity', error) };
  }
}
