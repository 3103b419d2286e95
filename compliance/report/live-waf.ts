/**
 * The live WAF web ACL the attack-filter control cites (wafv2:GetWebACL): its scope and rules.
 * Read by `webhooks compliance report` only (live-resources.ts).
 */
import { GetWebACLCommand, type Scope, type WAFV2Client } from '@aws-sdk/client-wafv2';
import { type Observed, observe } from './observed.ts';

export interface LiveWebAcl {
  readonly scope: string;
  readonly rules: ReadonlyArray<{ readonly name: string; readonly rateBased: boolean }>;
}

/** A web ACL by its CloudFormation physical id, `name|id|scope`. */
export function readWebAcl(wafv2: WAFV2Client, physicalId: string): Promise<Observed<LiveWebAcl>> {
  return observe('wafv2:GetWebACL', async () => {
    const [name, id, scope] = physicalId.split('|');
    if (
      name === undefined ||
      id === undefined ||
      (scope !== 'REGIONAL' && scope !== 'CLOUDFRONT')
    ) {
      throw new WebAclIdError(`${physicalId} is not a web ACL's name|id|scope`);
    }
    const { WebACL } = await wafv2.send(
      new GetWebACLCommand({ Name: name, Id: id, Scope: scope as Scope }),
    );
    return {
      scope,
      rules: (WebACL?.Rules ?? []).map((rule) => ({
        name: rule.Name ?? '',
        rateBased: rule.Statement?.RateBasedStatement !== undefined,
      })),
    };
  });
}

class WebAclIdError extends Error {
  override readonly name = 'NotFound';
}
