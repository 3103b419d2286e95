/**
 * Runs once before the test files: the ingest Lambda's bundle (dist/lambda/ingest), which every
 * synthesis deploys (infra/ingest-function.ts), is rebuilt from functions/ so that no test
 * synthesizes a stale one. Under a second.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build.mjs', 'lambda-ingest'], {
    cwd: root,
    stdio: 'inherit',
  });
}
