/**
 * Webhook retries spread over hours. SQS redelivers a failed message when its visibility timeout
 * ends, so after each failed receive the handler sets that timeout to the next wait: doubling from
 * a minute, capped at four hours, with up to 10 % jitter so a receiver coming back is not hit by every
 * message at once. With WEBHOOK_MAX_RECEIVES (12) receives the waits add up to about 16 hours before
 * the message goes to the webhook dead-letter queue (infra/aws/notifications.ts).
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';

export const RETRY_BASE_SECONDS = 60;
export const RETRY_CAP_SECONDS = 4 * 3600;
export const WEBHOOK_MAX_RECEIVES = 12;

/** The wait after the `receiveCount`-th failed receive (1-based); `random` in [0, 1) picks the jitter. */
export function retryDelaySeconds(receiveCount: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(receiveCount) || 1);
  const base = Math.min(RETRY_BASE_SECONDS * 2 ** Math.min(n - 1, 30), RETRY_CAP_SECONDS);
  return Math.min(Math.round(base * (1 + 0.1 * random())), 12 * 3600);
}

/** The whole schedule: the waits between the receives of one message before it is dead-lettered. */
export function retrySchedule(maxReceives = WEBHOOK_MAX_RECEIVES): number[] {
  return Array.from({ length: maxReceives - 1 }, (_, i) => retryDelaySeconds(i + 1, () => 0));
}

/**
 * SQS ChangeMessageVisibility, signed with the function's own credentials (the Lambda environment's),
 * over SQS's JSON protocol: the AWS SDK's SQS client is not among this project's dependencies.
 * `AWS_ENDPOINT_URL_SQS` overrides the endpoint, as it does for the SDK.
 */
export async function changeVisibility(queueUrl: string, receiptHandle: string, seconds: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const region = env.AWS_REGION ?? new URL(queueUrl).hostname.split('.')[1];
  if (!region || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) throw new Error('no AWS region or credentials in the environment');
  const endpoint = new URL(env.AWS_ENDPOINT_URL_SQS ?? new URL(queueUrl).origin);
  const body = JSON.stringify({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds });
  const signer = new SignatureV4({
    service: 'sqs',
    region,
    sha256: Hash.bind(null, 'sha256'),
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN },
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    path: '/',
    headers: { host: endpoint.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ChangeMessageVisibility' },
    body,
  });
  const res = await fetch(endpoint, { method: 'POST', headers: signed.headers, body, signal: AbortSignal.timeout(3000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`ChangeMessageVisibility: HTTP ${res.status} ${text.slice(0, 200)}`);
}
