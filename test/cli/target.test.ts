/**
 * How `--local` finds its stack and says what to run when it cannot use it, and how `--stack`
 * failures name their cause and a next step. No AWS: a stack file naming a stopped process or
 * a closed port, and an SDK with no credentials to find.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { localStackFile, stackFileVariable } from '../../cli/target.ts';
import { cli } from './helpers.ts';

/** The pid of a process that has already exited, as a crashed `npm start` leaves behind. */
const exitedPid = () => spawnSync(process.execPath, ['-e', '']).pid;

/** A loopback port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A stack file whose every endpoint is `endpoint`, run by `pid`. */
async function stackFile(pid: number, endpoint: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'webhooks-target-'));
  const path = join(folder, 'stack.json');
  const key = { alias: 'alias/local', keyId: 'local-key' };
  const description = {
    region: 'us-east-1',
    persist: false,
    endpoints: { kms: endpoint, dynamodb: endpoint, sqs: endpoint },
    resources: {
      tables: { registry: 'registry', audit: 'audit' },
      queueUrl: `${endpoint}/000000000000/deliveries`,
      deadLetterQueueUrl: `${endpoint}/000000000000/dead-letters`,
      keys: { secrets: key, audit: key, queue: key },
    },
    environment: {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_KMS: endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_ENDPOINT_URL_SQS: endpoint,
    },
    pid,
    startedAt: '2026-01-02T03:04:05.000Z',
  };
  await writeFile(path, JSON.stringify(description));
  return path;
}

/** `--local` writes the stack's variables into process.env: stubbed first, restored after. */
const stubLocalVariables = () => {
  for (const name of [
    'AWS_REGION',
    'AWS_ENDPOINT_URL_KMS',
    'AWS_ENDPOINT_URL_DYNAMODB',
    'AWS_ENDPOINT_URL_SQS',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_PROFILE',
  ]) {
    vi.stubEnv(name, undefined);
  }
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('--local', () => {
  it('finds .local/stack.json in the nearest folder above that holds one', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'webhooks-walk-'));
    await mkdir(join(folder, '.local'));
    await writeFile(join(folder, '.local', 'stack.json'), '{}');
    await mkdir(join(folder, 'cli', 'commands'), { recursive: true });
    expect(await localStackFile({}, join(folder, 'cli', 'commands'))).toBe(
      join(folder, '.local', 'stack.json'),
    );
  });

  it("looks no higher than the project root, the folder of this project's package.json", async () => {
    const outer = await mkdtemp(join(tmpdir(), 'webhooks-walk-'));
    await mkdir(join(outer, '.local'));
    await writeFile(join(outer, '.local', 'stack.json'), '{}');
    const project = join(outer, 'checkout');
    await mkdir(join(project, 'docs'), { recursive: true });
    await writeFile(join(project, 'package.json'), '{"name":"webhook-ingestion"}');
    expect(await localStackFile({}, join(project, 'docs'))).toBe(
      join(project, '.local', 'stack.json'),
    );
  });

  it('reads WEBHOOKS_STACK_FILE when it is set, wherever it runs', async () => {
    expect(await localStackFile({ [stackFileVariable]: '/elsewhere/stack.json' }, tmpdir())).toBe(
      '/elsewhere/stack.json',
    );
  });

  it('refuses a stack whose recorded process no longer runs, saying to run npm start', async () => {
    stubLocalVariables();
    const pid = exitedPid();
    const path = await stackFile(pid, `http://127.0.0.1:${await closedPort()}`);
    vi.stubEnv(stackFileVariable, path);
    expect(await cli(['providers', 'list', '--local'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: the local stack recorded in ${path} (pid ${pid}, started 2026-01-02T03:04:05.000Z) is not running (it may have crashed); run \`npm start\`\n`,
    });
  });

  it('says the stack is not answering when its process runs but its endpoints refuse', async () => {
    stubLocalVariables();
    const path = await stackFile(process.pid, `http://127.0.0.1:${await closedPort()}`);
    vi.stubEnv(stackFileVariable, path);
    const { code, stderr } = await cli(['providers', 'list', '--local']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(
        `^error: the local stack recorded in ${path} is not answering \\(.*ECONNREFUSED.*\\): it may have stopped or crashed; run \`npm start\`\\n$`,
      ),
    );
  });
});

describe('--stack', () => {
  it('with no AWS credentials anywhere, says so and how to configure them', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'webhooks-no-credentials-'));
    await writeFile(join(empty, 'config'), '');
    await writeFile(join(empty, 'credentials'), '');
    for (const name of Object.keys(process.env).filter((name) => name.startsWith('AWS_'))) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_CONFIG_FILE', join(empty, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(empty, 'credentials'));
    // The last link of the chain would otherwise wait for an instance metadata service.
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const { code, stderr } = await cli(['providers', 'list', '--stack', 'webhook-ingestion']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^error: cannot describe stack 'webhook-ingestion': no AWS credentials found \(.+\); configure them: aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n$/,
    );
  });
});

/** moto's CloudFormation stand-in, when installed; the test is skipped without it. */
const hasMotoServer = spawnSync('moto_server', ['--help']).error === undefined;

describe.skipIf(!hasMotoServer)('--stack against moto_server (CloudFormation)', () => {
  let moto: ChildProcess;
  let endpoint: string;

  beforeAll(async () => {
    const port = await closedPort();
    endpoint = `http://127.0.0.1:${port}`;
    moto = spawn('moto_server', ['-p', String(port)], { stdio: 'ignore' });
    await vi.waitFor(() => fetch(endpoint), { timeout: 15_000, interval: 100 });
  }, 20_000);

  afterAll(() => {
    moto?.kill('SIGTERM');
  });

  it('says a stack that does not exist does not, and to check the name and --region', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_CLOUDFORMATION', endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    vi.stubEnv('AWS_PROFILE', undefined);
    const { code, stderr } = await cli([
      'providers',
      'list',
      '--stack',
      'nope',
      '--region',
      'eu-west-1',
    ]);
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr:
        "error: stack 'nope' does not exist in eu-west-1: check the name (aws cloudformation list-stacks) and --region\n",
    });
  });
});
