/**
 * GitLab signs nothing: it sends the webhook's secret token itself, so a test delivery checks
 * the token and the route, nothing more.
 */
import { presentHeaders, type Signer, secretOf } from '../scheme.sign.ts';
import { gitlabShape } from './gitlab.ts';

const [idHeader] = gitlabShape.idHeaders;

export const signer: Signer = {
  scheme: 'gitlab',
  signsWith: 'secret',
  eventTypeHeader: gitlabShape.eventTypeHeader,
  sign({ url, body, key, deliveryId, eventType }) {
    return {
      url,
      body,
      headers: presentHeaders([
        [gitlabShape.tokenHeader, secretOf('gitlab', key)],
        [idHeader, deliveryId],
        [gitlabShape.eventTypeHeader, eventType],
      ]),
    };
  },
};
