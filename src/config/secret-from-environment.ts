import { PalisadeError } from '../core/errors.js';
import type { ConfigEnvironment } from './load-config.js';

/**
 * A secret a command is told the name of (`--api-key-env OPENAI_API_KEY`): its value from the
 * environment. Secrets are never taken on the command line, where they would end up in shell
 * history and process listings. A name that is not set is an error naming it, not an empty key.
 */
export function secretFromEnvironment(name: string, env: ConfigEnvironment = process.env as ConfigEnvironment): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new PalisadeError('invalid_argument', `"${name.slice(0, 60)}" is not an environment variable name`);
  const value = env[name];
  if (value === undefined || value === '') throw new PalisadeError('invalid_argument', `environment variable ${name} is not set`);
  return value;
}
