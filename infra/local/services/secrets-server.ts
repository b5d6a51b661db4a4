/**
 * Secrets Manager's GetSecretValue over its wire protocol (AWS JSON 1.1, `secretsmanager.*`, SigV4
 * signing name `secretsmanager`) on a loopback port, for the secrets the runtime itself holds (the
 * webhook signing keys): a handler's unmodified `SecretsManagerClient` reaches it through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`, so it reads its secret as it does in AWS. Secrets are put by
 * the runtime, not over the wire.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerLimits } from '../net/harden.ts';
import { AwsJsonError, startAwsJsonServer } from './aws-json-server.ts';

export interface SecretsServer {
  endpoint: string;
  /** Keeps `value` as the secret `name`; resolves to its ARN (new for each put, with Secrets Manager's random suffix). */
  put(name: string, value: string): string;
  stop(): Promise<void>;
}

export async function startSecretsServer(opts: {
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
  region: string;
  host?: string;
  limits?: Partial<ServerLimits>;
  log?: (line: string) => void;
}): Promise<SecretsServer> {
  const secrets = new Map<string, { arn: string; name: string; value: string; versionId: string; created: number }>();
  const server = await startAwsJsonServer({
    ...opts,
    service: 'secretsmanager',
    title: 'Secrets Manager',
    operations: {
      'secretsmanager.GetSecretValue': (input) => {
        const id = input.SecretId;
        if (typeof id !== 'string' || !id) throw new AwsJsonError('InvalidParameterException', 'SecretId is required.');
        const s = secrets.get(id) ?? [...secrets.values()].find((x) => x.name === id);
        if (!s) throw new AwsJsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return { ARN: s.arn, Name: s.name, SecretString: s.value, VersionId: s.versionId, VersionStages: ['AWSCURRENT'], CreatedDate: s.created / 1000 };
      },
    },
  });
  return {
    endpoint: server.endpoint,
    put(name, value) {
      const arn = `arn:aws:secretsmanager:${opts.region}:000000000000:secret:${name}-${randomBytes(3).toString('hex')}`;
      for (const [k, s] of secrets) if (s.name === name) secrets.delete(k);
      secrets.set(arn, { arn, name, value, versionId: randomUUID(), created: Date.now() });
      return arn;
    },
    stop: () => server.stop(),
  };
}
