/**
 * How the live API hands a delivery to the ingest Lambda, for the exact-body control: a REST
 * method's integration (apigateway GetIntegration, by the method's resource and HTTP method)
 * and an HTTP API's integration (apigateway GetIntegration, by its id). Read by `webhooks
 * compliance report` only (live-resources.ts).
 */
import { type APIGatewayClient, GetIntegrationCommand } from '@aws-sdk/client-api-gateway';
import {
  type ApiGatewayV2Client,
  GetIntegrationCommand as GetHttpIntegrationCommand,
} from '@aws-sdk/client-apigatewayv2';
import { type Observed, observe } from './observed.ts';

export interface LiveIntegration {
  readonly type: string | undefined;
  /** The function's invocation URI (it holds the function's ARN). */
  readonly uri: string | undefined;
  /** An HTTP API integration's payload format; undefined for a REST method. */
  readonly payloadFormatVersion: string | undefined;
}

/** A REST method's integration; `restApiId` and `resourceId` are the stack's physical ids. */
export function readMethodIntegration(
  apiGateway: APIGatewayClient,
  method: {
    readonly restApiId: string | undefined;
    readonly resourceId: string | undefined;
    readonly httpMethod: string;
  },
): Promise<Observed<LiveIntegration>> {
  return observe('apigateway:GET', async () => {
    const { restApiId, resourceId, httpMethod } = method;
    if (restApiId === undefined || resourceId === undefined) {
      throw new IntegrationNotFoundError('the method names no REST API or resource of the stack');
    }
    const integration = await apiGateway.send(
      new GetIntegrationCommand({ restApiId, resourceId, httpMethod }),
    );
    return { type: integration?.type, uri: integration?.uri, payloadFormatVersion: undefined };
  });
}

export function readHttpIntegration(
  apiGatewayV2: ApiGatewayV2Client,
  apiId: string | undefined,
  integrationId: string,
): Promise<Observed<LiveIntegration>> {
  return observe('apigateway:GET', async () => {
    if (apiId === undefined) {
      throw new IntegrationNotFoundError('the integration names no HTTP API of the stack');
    }
    const integration = await apiGatewayV2.send(
      new GetHttpIntegrationCommand({ ApiId: apiId, IntegrationId: integrationId }),
    );
    return {
      type: integration?.IntegrationType,
      uri: integration?.IntegrationUri,
      payloadFormatVersion: integration?.PayloadFormatVersion,
    };
  });
}

class IntegrationNotFoundError extends Error {
  override readonly name = 'NotFound';
}
