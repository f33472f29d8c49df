/**
 * The real PostgreSQL and Redis the storage tests run against. `.ci/run` exports their URLs.
 * Outside CI a missing URL skips those suites (a laptop without the servers still passes
 * `npm test`); in CI (`CI=true`) it is a failure, never a silent skip.
 */
export type TestService = 'PALISADE_TEST_DATABASE_URL' | 'PALISADE_TEST_REDIS_URL';

export function testServiceUrl(name: TestService): string | undefined {
  const url = process.env[name];
  if (url !== undefined && url !== '') return url;
  if (process.env.CI === 'true') throw new Error(`${name} is not set: in CI the PostgreSQL and Redis tests must run (see .ci/run)`);
  return undefined;
}

/** A name no other test run uses, for a schema or a key prefix. */
export function uniqueTestName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
