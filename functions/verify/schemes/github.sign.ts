import { bodyHmacSigner } from '../hmac-header.sign.ts';
import type { Signer } from '../scheme.sign.ts';
import { type GithubOptions, githubShape } from './github.ts';

/** GitHub signs SHA-256 only: the SHA-1 header the scheme can accept is never written. */
export const signer: Signer<GithubOptions> = bodyHmacSigner('github', githubShape);
