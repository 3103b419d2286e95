/**
 * `webhooks init --profiles …` (cli/commands/init.ts): the profiles go into cdk.json's context,
 * where every later `cdk deploy` finds them, and nothing else of the file changes. Unknown
 * profiles, a missing file and a context the CDK app would refuse exit 2 and write nothing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readAppContext } from '../../infra/context.ts';
import { cli, tempFiles } from './helpers.ts';

/** The repository's own cdk.json, as a user's project starts with it. */
const projectManifest = readFileSync('cdk.json', 'utf8');

const profilesIn = (path: string) =>
  readAppContext((key) => JSON.parse(readFileSync(path, 'utf8')).context?.[key]).props
    .complianceProfiles;

describe('webhooks init', () => {
  it("writes the profiles into cdk.json's context, keeping the rest byte for byte", async () => {
    const { 'cdk.json': path } = tempFiles({ 'cdk.json': projectManifest });
    const run = await cli(['init', '--profiles', 'pci-dss,hipaa', '--cdk-json', path as string]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      'cdk.json: context.profiles baseline → pci-dss,hipaa\n' +
        'pci-dss, hipaa require an alarm destination, which cdk.json does not give: deploy with -c alarmEmail=ops@example.com (or -c alarmTopicArn=arn:aws:sns:…), or add alarmEmail to its context\n',
    );
    const written = readFileSync(path as string, 'utf8');
    expect(written).toBe(
      projectManifest.replace('"profiles": "baseline"', '"profiles": "pci-dss,hipaa"'),
    );
    // What the app reads on the next deploy, without -c profiles.
    expect(profilesIn(path as string)).toEqual(['pci-dss', 'hipaa']);
  });

  it('changes nothing when cdk.json already names the profiles, in any order', async () => {
    const manifest = projectManifest.replace('"baseline"', '"hipaa,pci-dss"');
    const { 'cdk.json': path } = tempFiles({ 'cdk.json': manifest });
    const run = await cli(['init', '--profiles', 'pci-dss,hipaa', '--cdk-json', path as string]);
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('nothing changed') });
    expect(readFileSync(path as string, 'utf8')).toBe(manifest);
  });

  it('adds the key to a context that lacks it, and a context to a manifest without one', async () => {
    const { 'with.json': withContext, 'without.json': withoutContext } = tempFiles({
      'with.json':
        '{\n  "app": "npx ts-node app.ts",\n  "context": {\n    "front": "rest"\n  }\n}\n',
      'without.json': '{ "app": "npx ts-node app.ts" }\n',
    });
    for (const path of [withContext, withoutContext] as string[]) {
      const run = await cli(['init', '--profiles', 'gdpr', '--cdk-json', path]);
      expect(run.stdout.split('\n')[0]).toBe(
        `${path.split('/').pop()}: context.profiles (not set: baseline) → gdpr`,
      );
      expect(profilesIn(path)).toEqual(['gdpr']);
    }
    expect(JSON.parse(readFileSync(withContext as string, 'utf8'))).toEqual({
      app: 'npx ts-node app.ts',
      context: { profiles: 'gdpr', front: 'rest' },
    });
  });

  it('says when the new profiles drop one a deployed stack would keep', async () => {
    const manifest = projectManifest.replace('"baseline"', '"pci-dss"');
    const { 'cdk.json': path } = tempFiles({ 'cdk.json': manifest });
    const run = await cli(['init', '--profiles', 'gdpr', '--cdk-json', path as string]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('this drops pci-dss');
    expect(run.stdout).toContain('-c allowProfileDowngrade=true');
  });

  it('warns when cdk.json keeps allowProfileDowngrade, which is for one deploy', async () => {
    const manifest = projectManifest.replace(
      '"cli-telemetry": false',
      '"cli-telemetry": false,\n    "allowProfileDowngrade": true',
    );
    const { 'cdk.json': path } = tempFiles({ 'cdk.json': manifest });
    const run = await cli(['init', '--profiles', 'hipaa', '--cdk-json', path as string]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: cdk.json sets allowProfileDowngrade');
  });

  it('leaves the alarm destination to each deploy, and says so only when cdk.json gives none', async () => {
    const { 'cdk.json': path } = tempFiles({ 'cdk.json': projectManifest });
    const baseline = await cli(['init', '--profiles', 'baseline', '--cdk-json', path as string]);
    expect(baseline.stdout).not.toContain('alarm destination');
    const gdpr = await cli(['init', '--profiles', 'gdpr', '--cdk-json', path as string]);
    expect(gdpr.code).toBe(0);
    expect(gdpr.stdout).toContain(
      'gdpr requires an alarm destination, which cdk.json does not give',
    );
    const withAddress = projectManifest.replace(
      '"cli-telemetry": false',
      '"cli-telemetry": false,\n    "alarmEmail": "ops@example.com"',
    );
    const { 'cdk.json': addressed } = tempFiles({ 'cdk.json': withAddress });
    const hipaa = await cli(['init', '--profiles', 'hipaa', '--cdk-json', addressed as string]);
    expect(hipaa).toMatchObject({
      code: 0,
      stdout: 'cdk.json: context.profiles baseline → hipaa\n',
    });
  });

  it('refuses a malformed alarm address in cdk.json, as the CDK app would', async () => {
    const manifest = projectManifest.replace(
      '"cli-telemetry": false',
      '"cli-telemetry": false,\n    "alarmEmail": "ops at example.com"',
    );
    const { 'cdk.json': path } = tempFiles({ 'cdk.json': manifest });
    const run = await cli(['init', '--profiles', 'pci-dss', '--cdk-json', path as string]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('alarmEmail: expected an e-mail address');
    expect(readFileSync(path as string, 'utf8')).toBe(manifest);
  });

  it('refuses an unknown profile, naming the known ones, and writes nothing', async () => {
    const { 'cdk.json': path } = tempFiles({ 'cdk.json': projectManifest });
    const run = await cli(['init', '--profiles', 'pci-dss,pci', '--cdk-json', path as string]);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe(
      "error: unknown compliance profile 'pci' (known: baseline, gdpr, ccpa, pci-dss, hipaa)\n",
    );
    expect(readFileSync(path as string, 'utf8')).toBe(projectManifest);
  });

  it('refuses profiles the CDK app would refuse with the rest of the context', async () => {
    const manifest = projectManifest.replace('"cli-telemetry": false', '"front": "url"');
    const { 'cdk.json': path } = tempFiles({ 'cdk.json': manifest });
    const run = await cli(['init', '--profiles', 'hipaa', '--cdk-json', path as string]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the CDK app would refuse');
    expect(run.stderr).toContain("front 'url' writes no access log of each request");
    expect(readFileSync(path as string, 'utf8')).toBe(manifest);
  });

  it('refuses a missing or unreadable cdk.json, saying where it looked', async () => {
    const { folder, 'broken.json': broken } = tempFiles({ 'broken.json': '{ "app": ' });
    const missing = await cli(['init', '--profiles', 'gdpr', '--cdk-json', `${folder}/cdk.json`]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain(`no cdk.json at ${folder}/cdk.json`);
    const unreadable = await cli(['init', '--profiles', 'gdpr', '--cdk-json', broken as string]);
    expect(unreadable).toMatchObject({ code: 2 });
    expect(unreadable.stderr).toContain('is not JSON');
  });

  it('needs --profiles', async () => {
    const run = await cli(['init']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--profiles <names>' not specified");
  });
});
