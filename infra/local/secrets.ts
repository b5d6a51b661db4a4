import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { generateWebhookSecret, WEBHOOK_SECRET_PREFIX } from '../../client/sdk/webhooks.ts';
import type { AuthMode } from '../wiring/types.ts';

export interface LocalSecrets {
  /** The dev API key, like AppSync's `da2-…` keys; a year's validity. */
  apiKey?: { key: string; expiresAt: number };
  /** Credentials a backend caller signs IAM (SigV4) requests with: AppSync's AWS_IAM mode, the local Cognito's admin API. */
  iam?: { accessKeyId: string; secretAccessKey: string; accountId: string; userArn: string };
  /** Credentials the local S3 accepts; Lambda handlers get them as AWS Lambda gives a function its role's. */
  s3?: { accessKeyId: string; secretAccessKey: string };
  /** The Standard Webhooks secret (`whsec_…`) local webhooks are signed with, unless the notifications config names one. */
  webhookSecret?: string;
}

/** Reads the data directory's dev credentials, creating the ones the auth modes need. */
export function loadOrCreateSecrets(path: string, modes: AuthMode[], needs: { s3?: boolean; webhooks?: boolean } = {}): LocalSecrets {
  const secrets: LocalSecrets = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as LocalSecrets) : {};
  let changed = false;
  const now = Math.floor(Date.now() / 1000);
  if (modes.includes('API_KEY') && (!secrets.apiKey || secrets.apiKey.expiresAt < now + 86_400)) {
    secrets.apiKey = { key: `da2-${randomBytes(13).toString('hex')}`, expiresAt: now + 365 * 86_400 };
    changed = true;
  }
  // Cognito's admin operations (creating users, listing them) are IAM calls, as in AWS.
  if ((modes.includes('AWS_IAM') || modes.includes('AMAZON_COGNITO_USER_POOLS')) && !secrets.iam) {
    secrets.iam = {
      accessKeyId: `AKIALOCAL${randomBytes(6).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      accountId: '000000000000',
      userArn: 'arn:aws:iam::000000000000:user/local-backend',
    };
    changed = true;
  }
  if (needs.s3 && !secrets.s3) {
    secrets.s3 = { accessKeyId: `AKIALOCALS3${randomBytes(5).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
    changed = true;
  }
  // A secret from before Standard Webhooks (hex, no prefix) is replaced: receivers must re-read it anyway.
  if (needs.webhooks && !secrets.webhookSecret?.startsWith(WEBHOOK_SECRET_PREFIX)) {
    secrets.webhookSecret = generateWebhookSecret();
    changed = true;
  }
  if (changed) writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
