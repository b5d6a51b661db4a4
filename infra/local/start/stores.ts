/**
 * The stand-ins that hold state, started together: DynamoDB Local with the declared tables (and
 * their TTL sweeper), the Cognito-compatible issuer when user pools are an auth mode, the TLS
 * certificate, then the local S3 for the declared buckets. Each registers its stop as it comes up,
 * so a failed start stops what did start.
 */
import { join } from 'node:path';
import type { ApiDefinition, AuthMode } from '../../wiring/types.ts';
import { ensureCertificate, type LocalCertificate } from '../net/cert.ts';
import type { ServerLimits } from '../net/harden.ts';
import type { LocalSecrets } from '../secrets.ts';
import { startCognito, type LocalCognito } from '../services/cognito.ts';
import type { TokenLifetimes } from '../services/cognito-idp/tokens.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../services/dynamodb-local.ts';
import { startLocalBuckets, type LocalBuckets } from '../services/s3/buckets.ts';
import { ensureTables, startTtlSweeper } from '../services/tables.ts';

export interface Stores {
  dynamo: DynamoDbLocal;
  sweeper: ReturnType<typeof startTtlSweeper>;
  cognito?: LocalCognito;
  cert: LocalCertificate;
  s3?: LocalBuckets;
}

export async function startStores(o: {
  api: ApiDefinition;
  modes: AuthMode[];
  dataDir: string;
  inMemory?: boolean;
  tlsDir?: string;
  host: string;
  region: string;
  limits?: Partial<ServerLimits>;
  tokenLifetimes?: TokenLifetimes;
  secrets: LocalSecrets;
  tableName: (key: string) => string;
  /** Times a phase for the ready line. */
  timed: <T>(name: string, p: Promise<T>) => Promise<T>;
  onStop: (stop: () => Promise<void>) => void;
  log: (line: string) => void;
}): Promise<Stores> {
  const { api, dataDir, timed, onStop, log } = o;
  const [dynamo, cognito, cert] = await allOrNothing([
    timed('dynamodb', startDynamoDbLocal({ dataDir: o.inMemory ? undefined : join(dataDir, 'dynamodb'), log: (l) => log(`[dynamodb] ${l}`) })).then(async (d) => {
      onStop(() => d.stop());
      await timed('tables', ensureTables(d.client, api.tables, o.tableName));
      return d;
    }),
    o.modes.includes('AMAZON_COGNITO_USER_POOLS')
      ? timed(
          'cognito',
          startCognito({ dataDir: join(dataDir, 'cognito'), adminCredentials: o.secrets.iam!, limits: o.limits, tokenLifetimes: o.tokenLifetimes, log: (l) => log(`[cognito] ${l}`) }),
        ).then((c) => {
          onStop(() => c.stop());
          return c;
        })
      : Promise.resolve(undefined),
    timed(
      'tls',
      ensureCertificate(o.tlsDir ?? join(dataDir, 'tls'), (l) => log(`[tls] ${l}`)),
    ),
  ]);
  const sweeper = startTtlSweeper(dynamo.client, api.tables, o.tableName);
  onStop(async () => sweeper.stop());
  let s3: LocalBuckets | undefined;
  if (Object.keys(api.buckets ?? {}).length > 0 && o.secrets.s3) {
    const buckets = await startLocalBuckets({
      buckets: api.buckets!,
      dataDir,
      credentials: o.secrets.s3,
      alsoAccept: o.secrets.iam ? [o.secrets.iam] : [],
      region: o.region,
      host: o.host,
      limits: o.limits,
      log: (l) => log(`[s3] ${l}`),
    });
    onStop(() => buckets.stop());
    s3 = buckets;
  }
  return { dynamo, sweeper, cognito, cert, s3 };
}

/** Like Promise.all, but waits for every start to settle before failing, so each one's stop is registered. */
export async function allOrNothing<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
