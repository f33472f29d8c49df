import { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import type { LimitSettings } from '../limits/rate-limiter.js';
import type { KeyStore, Tenant } from './key-store.js';
import { compactLimits, limitSettingsSchema } from './limit-settings-schema.js';
import { parseInput } from './parse-input.js';

/** A tenant id: a slug of 1–63 lowercase letters, digits and inner hyphens (safe in URLs, labels and logs). */
export const tenantIdSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'a tenant id is 1–63 lowercase letters, digits and inner hyphens');

const tenantNameSchema = z.string().trim().min(1, 'a tenant needs a name').max(200);

export interface CreateTenantOptions {
  id: string;
  name: string;
  limits?: LimitSettings;
  now?: Date;
}

export async function createTenant(store: KeyStore, options: CreateTenantOptions): Promise<Tenant> {
  const tenant: Tenant = {
    id: parseInput(tenantIdSchema, options.id, 'id'),
    name: parseInput(tenantNameSchema, options.name, 'name'),
    limits: compactLimits(parseInput(limitSettingsSchema, options.limits ?? {}, 'limits')),
    createdAt: options.now ?? new Date(),
    disabled: false,
  };
  if ((await store.createTenant(tenant)) === 'exists') {
    throw new PalisadeError('invalid_request', `tenant "${tenant.id}" already exists`, { details: [{ path: 'id', message: 'already exists' }] });
  }
  return tenant;
}

export interface UpdateTenantOptions {
  name?: string;
  limits?: LimitSettings;
  disabled?: boolean;
}

/** Changes a tenant's name, limits or disabled flag; a disabled tenant's keys are refused at once. */
export async function updateTenant(store: KeyStore, id: string, options: UpdateTenantOptions): Promise<Tenant> {
  const updated = await store.updateTenant(id, {
    ...(options.name === undefined ? {} : { name: parseInput(tenantNameSchema, options.name, 'name') }),
    ...(options.limits === undefined ? {} : { limits: compactLimits(parseInput(limitSettingsSchema, options.limits, 'limits')) }),
    ...(options.disabled === undefined ? {} : { disabled: options.disabled }),
  });
  if (updated === undefined) throw new PalisadeError('not_found', 'tenant not found');
  return updated;
}
