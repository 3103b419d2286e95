/**
 * The compliance profile guard's function (functions/profile-guard/handler.ts) as CloudFormation
 * calls it: each request answered at its response URL, SUCCESS or FAILED with a reason that
 * `cdk deploy` shows. An update that drops a profile fails unless the deploy allows it or
 * CloudFormation is rolling back; creates and deletes pass.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  answerRequest,
  type GuardDependencies,
  handler,
} from '../../functions/profile-guard/handler.ts';
import {
  guardProperties,
  guardRequest,
  type RecordedResponse,
  responseUrl,
  stackId,
  stackShows,
} from './cloudformation.ts';

let url: Awaited<ReturnType<typeof responseUrl>>;
let logged: { level: 'log' | 'warn'; line: Record<string, unknown> }[];

beforeEach(async () => {
  url = await responseUrl();
  logged = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => {
    logged.push({ level: 'log', line: JSON.parse(line) });
  });
  vi.spyOn(console, 'warn').mockImplementation((line: string) => {
    logged.push({ level: 'warn', line: JSON.parse(line) });
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await url.close();
});

/** Runs the handler on `request` and returns the one answer CloudFormation got. */
async function answerTo(...request: Parameters<typeof guardRequest>): Promise<RecordedResponse> {
  await handler(guardRequest(...request));
  expect(url.responses).toHaveLength(1);
  return url.responses[0] as RecordedResponse;
}

describe('an Update', () => {
  it('that drops pci-dss is answered FAILED, naming pci-dss, how to keep it and the flag', async () => {
    const stack = stackShows('UPDATE_IN_PROGRESS', 'pci-dss');
    const { body } = await answerTo(
      'Update',
      url.url,
      guardProperties(['baseline']),
      guardProperties(['pci-dss']),
    );
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toContain('would drop the compliance profile pci-dss');
    expect(body.Reason).toContain('-c profiles=pci-dss');
    expect(body.Reason).toContain('npx webhooks init --profiles pci-dss');
    expect(body.Reason).toContain('-c allowProfileDowngrade=true');
    expect(stack.calls()).toHaveLength(1);
    expect(logged).toEqual([
      {
        level: 'warn',
        line: expect.objectContaining({ outcome: 'refused', dropped: ['pci-dss'] }),
      },
    ]);
  });

  it('that drops one of two profiles names that one and suggests keeping both', async () => {
    stackShows('UPDATE_IN_PROGRESS');
    const { body } = await answerTo(
      'Update',
      url.url,
      guardProperties(['gdpr']),
      guardProperties(['gdpr', 'hipaa']),
    );
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toContain('would drop the compliance profile hipaa,');
    expect(body.Reason).toContain('-c profiles=gdpr,hipaa');
  });

  it('that adds a profile is answered SUCCESS without reading the stack', async () => {
    const stack = stackShows('UPDATE_IN_PROGRESS');
    const { body } = await answerTo(
      'Update',
      url.url,
      guardProperties(['hipaa', 'pci-dss']),
      guardProperties(['pci-dss']),
    );
    expect(body.Status).toBe('SUCCESS');
    expect(stack.calls()).toHaveLength(0);
  });

  it('that leaves the baseline for a named regulation drops nothing', async () => {
    stackShows('UPDATE_IN_PROGRESS');
    const { body } = await answerTo(
      'Update',
      url.url,
      guardProperties(['gdpr']),
      guardProperties(['baseline']),
    );
    expect(body.Status).toBe('SUCCESS');
  });

  it('that drops pci-dss with AllowProfileDowngrade is answered SUCCESS and logged at WARN', async () => {
    stackShows('UPDATE_IN_PROGRESS');
    const { body } = await answerTo(
      'Update',
      url.url,
      guardProperties(['baseline'], true),
      guardProperties(['pci-dss']),
    );
    expect(body.Status).toBe('SUCCESS');
    expect(body.Reason).toContain('pci-dss dropped');
    expect(logged).toEqual([
      {
        level: 'warn',
        line: expect.objectContaining({ outcome: 'downgrade-allowed', dropped: ['pci-dss'] }),
      },
    ]);
  });

  it('back to fewer profiles during a rollback is answered SUCCESS: the rollback restores them', async () => {
    // A deploy that added pci-dss failed elsewhere; refusing its rollback would leave the stack
    // in UPDATE_ROLLBACK_FAILED.
    stackShows('UPDATE_ROLLBACK_IN_PROGRESS', 'baseline');
    const { body } = await answerTo(
      'Update',
      url.url,
      guardProperties(['baseline']),
      guardProperties(['pci-dss']),
    );
    expect(body.Status).toBe('SUCCESS');
    expect(body.Reason).toContain('rollback');
  });

  it('keeps the physical id CloudFormation has, so it is never taken for a replacement', async () => {
    stackShows('UPDATE_IN_PROGRESS');
    const { body } = await answerTo(
      'Update',
      url.url,
      guardProperties(['pci-dss']),
      guardProperties(['pci-dss']),
    );
    expect(body.PhysicalResourceId).toBe('guard-physical-id');
  });
});

describe('a Create', () => {
  it('in a new stack is answered SUCCESS', async () => {
    stackShows('CREATE_IN_PROGRESS');
    const { body } = await answerTo('Create', url.url, guardProperties(['pci-dss']));
    expect(body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'WebhookIngestionProfileGuard69D656E0-compliance-profiles',
    });
  });

  it('in a stack deployed before the guard compares with its ComplianceProfiles output', async () => {
    stackShows('UPDATE_IN_PROGRESS', 'pci-dss,gdpr');
    const { body } = await answerTo('Create', url.url, guardProperties(['gdpr']));
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toContain('would drop the compliance profile pci-dss');
  });

  it("of a named instance compares with its own output, not the unnamed instance's", async () => {
    // A baseline instance named teamB added to a stack whose unnamed instance is pci-dss.
    stackShows('UPDATE_IN_PROGRESS', 'pci-dss', [
      { OutputKey: 'teamBComplianceProfiles', OutputValue: 'baseline' },
    ]);
    const properties = {
      ...guardProperties(['baseline']),
      ProfilesOutputKey: 'teamBComplianceProfiles',
    };
    expect((await answerTo('Create', url.url, properties)).body.Status).toBe('SUCCESS');
  });
});

describe('a Delete', () => {
  it('is answered SUCCESS, whatever the profiles', async () => {
    const stack = stackShows('DELETE_IN_PROGRESS');
    const { body } = await answerTo(
      'Delete',
      url.url,
      guardProperties(['baseline']),
      guardProperties(['pci-dss']),
    );
    expect(body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'guard-physical-id' });
    expect(stack.calls()).toHaveLength(0);
  });
});

describe('the answer', () => {
  it('is a PUT with an empty content type that names the request, as the URL was signed for', async () => {
    stackShows('CREATE_IN_PROGRESS');
    const { headers, body } = await answerTo('Create', url.url, guardProperties(['hipaa']));
    expect(headers['content-type']).toBe('');
    expect(body).toMatchObject({
      StackId: stackId,
      RequestId: 'request-Create',
      LogicalResourceId: 'WebhookIngestionProfileGuard69D656E0',
    });
  });

  it('is PUT again when the response URL fails once', async () => {
    await url.close();
    url = await responseUrl([503]);
    stackShows('CREATE_IN_PROGRESS');
    const { body } = await answerTo('Create', url.url, guardProperties(['hipaa']));
    expect(body.Status).toBe('SUCCESS');
  });
});

describe('when it cannot decide, the guard fails the deploy rather than let a drop through', () => {
  const noPause: GuardDependencies['pause'] = async () => undefined;

  it('reads the stack five times, then answers FAILED with the error', async () => {
    const readStack = vi.fn<GuardDependencies['readStack']>(async () => {
      throw Object.assign(new Error('not authorized to perform: cloudformation:DescribeStacks'), {
        name: 'AccessDenied',
      });
    });
    const { verdict } = await answerRequest(
      guardRequest('Update', url.url, guardProperties(['baseline']), guardProperties(['pci-dss'])),
      { readStack, pause: noPause },
    );
    expect(readStack).toHaveBeenCalledTimes(5);
    expect(verdict).toMatchObject({ outcome: 'refused' });
    expect(verdict.reason).toContain('AccessDenied: not authorized');
  });

  it('takes the stack once its grant has propagated', async () => {
    const readStack = vi
      .fn<GuardDependencies['readStack']>()
      .mockRejectedValueOnce(new Error('AccessDenied'))
      .mockResolvedValue({ status: 'UPDATE_IN_PROGRESS', recordedProfiles: ['hipaa'] });
    const { verdict } = await answerRequest(
      guardRequest('Create', url.url, guardProperties(['hipaa'])),
      { readStack, pause: noPause },
    );
    expect(verdict.outcome).toBe('pass');
  });

  it('answers FAILED when the properties name no profile', async () => {
    const readStack = vi.fn<GuardDependencies['readStack']>();
    const { verdict } = await answerRequest(
      guardRequest('Update', url.url, guardProperties([]), guardProperties(['pci-dss'])),
      { readStack, pause: noPause },
    );
    expect(verdict).toMatchObject({ outcome: 'refused' });
    expect(verdict.reason).toContain('ResourceProperties.Profiles names no profile');
  });
});
