import { bodyHmacSigner } from '../hmac-header.sign.ts';
import { jiraShape } from './jira.ts';

export const signer = bodyHmacSigner('jira', jiraShape);
