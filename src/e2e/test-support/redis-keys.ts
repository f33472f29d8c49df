import { Redis } from 'ioredis';

/** The keys under `prefix`, sorted; `remove` deletes them (a test run cleans up after itself). */
export async function redisKeys(url: string, prefix: string, options: { remove?: boolean } = {}): Promise<string[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 })) keys.push(...(batch as string[]));
    if (options.remove === true && keys.length > 0) await redis.del(...keys);
    return keys.sort();
  } finally {
    redis.disconnect();
  }
}
