/**
 * Runs once before the test files: the Lambda bundles every synthesis deploys, the ingest
 * function's (dist/lambda/ingest, infra/ingest-function.ts), the audit digest function's
 * (dist/lambda/audit-digest, infra/audit-digests.ts), the compliance profile guard's
 * (dist/lambda/profile-guard, infra/profile-guard.ts), the source range refresher's and the
 * self-audit's (dist/lambda/self-audit, infra/self-audit.ts) are rebuilt from their sources so
 * that no test synthesizes a stale one. A second or two.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(
    process.execPath,
    [
      'scripts/build.mjs',
      'lambda-ingest',
      'lambda-audit-digest',
      'lambda-profile-guard',
      'lambda-source-ranges',
      'lambda-self-audit',
    ],
    { cwd: root, stdio: 'inherit' },
  );
}
