import type { Redis } from 'ioredis';

/** Runs one Lua script with its keys and arguments; resolves to the script's raw reply. */
export type RedisScript = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/**
 * A Lua script on `redis`, run through ioredis's `defineCommand`: EVALSHA, falling back to EVAL
 * once when the server has not cached the script (after a restart or failover). The command is
 * defined on the connection the caller passed in, under a `palisade` name no other code uses.
 */
export function defineRedisScript(redis: Redis, options: { name: string; lua: string }): RedisScript {
  const name = `palisade${options.name}`;
  redis.defineCommand(name, { lua: options.lua });
  const command: unknown = Reflect.get(redis, name);
  if (typeof command !== 'function') throw new Error(`ioredis did not define the command ${name}`);
  return (keys, args) => Promise.resolve(command.call(redis, keys.length, ...keys, ...args));
}
