/**
 * The source range refresher: run daily by the construct's schedule
 * (infra/source-range-refresher.ts), it refreshes every provider's published source ranges from
 * the provider's list (ops/source-lists/refresh.ts), records each change in the admin trail under
 * its role's identity, and logs one JSON line with the run's summary (ranges are public
 * addresses, never personal data).
 *
 * A list that could not be used (unreachable, malformed, too wide, empty) leaves its providers'
 * ranges as they were; it is counted in the metric `published_list_failed` (dimension `list`)
 * and the invocation fails, so that the function's error alarm fires. The next run tries again.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import { createSealer } from '../functions/audit/record-seal.ts';
import { kmsKeys } from '../functions/config/keys.ts';
import { auditTable, registryTable } from '../functions/config/tables.ts';
import { metricsNamespaceFrom, telemetry } from '../functions/config/telemetry.ts';
import { ProviderRegistryStore } from '../functions/registry/registry-store.ts';
import { AdminTrailStore } from '../ops/admin-trail/admin-trail-store.ts';
import { fetchPublishedRanges } from '../ops/source-lists/index.ts';
import { type RefreshSummary, refreshPublishedSources } from '../ops/source-lists/refresh.ts';
import { lambdaWriter, requiredVariable } from './lambda-role.ts';

/** The count of lists a run could not use, one data point per list. */
export const publishedListFailedMetric = 'published_list_failed';

/** The `message` of the run's log line. */
export const refreshedMessage = 'published source lists refreshed';

/** Created once per container, from the standard AWS settings. */
const dynamodb = new DynamoDBClient({});
const kms = new KMSClient({});
const writerIdentity = lambdaWriter(new STSClient({}));
const variable = (name: string) => requiredVariable(name, 'the source range refresher');
const metrics = new Metrics({
  namespace: metricsNamespaceFrom(process.env),
  serviceName: telemetry.serviceName,
});

export async function handler(): Promise<Omit<RefreshSummary, 'failed' | 'changes'>> {
  const summary = await refreshSources();
  console.log(JSON.stringify({ message: refreshedMessage, ...summary }));
  for (const failure of summary.failed) {
    const single = metrics.singleMetric();
    single.addDimension('list', failure.list);
    single.addMetric(publishedListFailedMetric, MetricUnit.Count, 1);
  }
  if (summary.failed.length > 0) {
    const lists = [...new Set(summary.failed.map(({ list, code }) => `${list} (${code})`))];
    throw new Error(
      `published source lists not refreshed: ${lists.join(', ')}; their providers keep their current ranges`,
    );
  }
  const { checked, changed, unchanged } = summary;
  return { checked, changed, unchanged };
}

/** One run: every provider's published list fetched, changes written and recorded. */
export function refreshSources(): Promise<RefreshSummary> {
  const registry = new ProviderRegistryStore({
    dynamodb,
    tableName: variable(registryTable.nameVariable),
  });
  const adminTrail = new AdminTrailStore({
    dynamodb,
    tableName: variable(auditTable.nameVariable),
    // Admin records verify under the operator's seal keys: this function acts in the operator's
    // stead (`providers refresh-sources`, scheduled), and its role is the record's actor.
    sealer: createSealer({ kms, keyId: variable(kmsKeys.audit.idVariable), writer: 'operator' }),
  });
  return (async () =>
    refreshPublishedSources({
      registry,
      adminTrail,
      fetchRanges: (list) => fetchPublishedRanges(list),
      nowMs: Date.now,
      writer: await writerIdentity(),
    }))();
}
