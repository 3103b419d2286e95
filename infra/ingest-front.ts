/** The front the settings choose (infra/front.ts), built on the ingest Lambda. */
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { IngestApi } from './api.ts';
import { IngestFunctionUrl } from './function-url.ts';
import { IngestHttpApi } from './http-api.ts';
import type { LogGroupSettings } from './log-groups.ts';
import type { DeploymentSettings } from './settings.ts';

/** One of the three fronts, told apart by `kind`. */
export type AnyIngestFront = IngestApi | IngestHttpApi | IngestFunctionUrl;

export interface IngestFrontProps {
  readonly settings: DeploymentSettings;
  readonly handler: lambda.IFunction;
  readonly logs: LogGroupSettings;
  /** Set the region's API Gateway logging role; only a REST API needs it. */
  readonly manageAccountLoggingRole: boolean;
  /**
   * The custom domain of a REST or HTTP API (infra/custom-domain.ts), which turns its
   * execute-api endpoint off; a function URL has none.
   * @default - none
   */
  readonly customDomainName?: string;
}

/** Builds `settings.front` under `scope` with the id `Api` (`Url` for a function URL). */
export function ingestFront(scope: Construct, props: IngestFrontProps): AnyIngestFront {
  const { settings, handler, logs } = props;
  const domain =
    props.customDomainName === undefined ? {} : { customDomainName: props.customDomainName };
  switch (settings.front) {
    case 'rest':
      return new IngestApi(scope, 'Api', {
        handler,
        logs,
        throttling: settings.throttling,
        manageAccountLoggingRole: props.manageAccountLoggingRole,
        accessLogDetail: settings.accessLogDetail,
        tracing: settings.tracing,
        waf: settings.waf,
        ...domain,
      });
    case 'http':
      return new IngestHttpApi(scope, 'Api', {
        handler,
        logs,
        throttling: settings.throttling,
        accessLogDetail: settings.accessLogDetail,
        ...domain,
      });
    case 'url':
      return new IngestFunctionUrl(scope, 'Url', { handler });
  }
}
