import type { Writable } from 'node:stream';
import { createTwoFilesPatch } from 'diff';
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { builtinDetectors } from '../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../detectors/detector-registry.js';
import { policyVersionToWire } from '../gateway/admin/operations-wire.js';
import { activatePolicy, pushPolicy } from '../ops/rollouts/policy-version-actions.js';
import type { PolicyVersion, StoredPolicyVersion } from '../ops/rollouts/policy-version-store.js';
import { requirePolicyVersion } from '../ops/rollouts/resolve-policy-version.js';
import type { PolicyVersionStore } from '../ops/rollouts/policy-version-store.js';
import { parsePolicy, readPolicyFile } from '../policy/load-policy.js';
import { exitCodes } from './exit-codes.js';
import { CLI_ACTOR, quoted, withOperationStores } from './operation-stores.js';

async function storedVersion(versions: PolicyVersionStore, reference: string): Promise<StoredPolicyVersion> {
  const version = await requirePolicyVersion(versions, reference);
  const stored = await versions.get(version.hash);
  if (stored === undefined) throw new PalisadeError('not_found', `no policy version ${version.hash}`);
  return stored;
}

/**
 * `palisade policy push FILE`: compiles the file with the detectors the gateway has (a policy
 * the gateway could not load is never stored), stores it as a version, and prints its hash and
 * whether it is new. Pushing does not activate it: `policy activate` or `rollout start` does.
 */
export async function policyPush(options: { config: GatewayConfig; file: string; name?: string; note?: string; stdout: Writable }): Promise<number> {
  const { text, shown } = await readPolicyFile(options.file);
  const registry = createDetectorRegistry(builtinDetectors);
  return withOperationStores(options.config, { limits: false }, async ({ stores, record }) => {
    const result = await pushPolicy(
      { versions: stores.policyVersions, record },
      {
        text,
        actor: CLI_ACTOR,
        now: new Date(),
        source: 'cli',
        check: (checked) => parsePolicy({ text: checked, file: shown, registry }),
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.note === undefined ? {} : { note: options.note }),
      },
    );
    const { version } = result;
    options.stdout.write(`${version.hash}\t${result.created ? 'new' : `already stored (pushed ${version.createdAt.toISOString()} by ${version.pushedBy})`}\t${version.name}\n`);
    return exitCodes.ok;
  });
}

/** `palisade policy list`: every version, newest first, marking the active one and a rollout's candidate. */
export async function policyList(options: { config: GatewayConfig; json: boolean; stdout: Writable }): Promise<number> {
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const [versions, state] = await Promise.all([stores.policyVersions.list(), stores.rollouts.state()]);
    const marks = (version: PolicyVersion): string[] => [
      ...(version.hash === state.active?.hash ? ['active'] : []),
      ...(version.hash === state.rollout?.candidate ? [`candidate of ${state.rollout.id} (${state.rollout.percent} %)`] : []),
    ];
    if (options.json) for (const version of versions) options.stdout.write(`${JSON.stringify({ ...policyVersionToWire(version), active: version.hash === state.active?.hash })}\n`);
    else if (versions.length === 0) options.stdout.write('no policy versions (the gateway pushes its configured policy when it starts)\n');
    else for (const version of versions) options.stdout.write(`${[version.hash, version.createdAt.toISOString(), version.pushedBy, version.name, ...marks(version)].join('\t')}${version.note === undefined ? '' : `\n  note: ${quoted(version.note)}`}\n`);
    return exitCodes.ok;
  });
}

/** `palisade policy show HASH`: one version (by hash, unique prefix or name) and its text. */
export async function policyShow(options: { config: GatewayConfig; reference: string; stdout: Writable }): Promise<number> {
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const version = await storedVersion(stores.policyVersions, options.reference);
    const active = await stores.rollouts.activeVersion();
    const header = [
      `# hash:    ${version.hash}${version.hash === active?.hash ? '  (active)' : ''}`,
      `# name:    ${version.name}`,
      `# pushed:  ${version.createdAt.toISOString()} by ${version.pushedBy}`,
      ...(version.note === undefined ? [] : [`# note:    ${quoted(version.note)}`]),
    ];
    options.stdout.write(`${header.join('\n')}\n${version.text}${version.text.endsWith('\n') ? '' : '\n'}`);
    return exitCodes.ok;
  });
}

/** `palisade policy activate HASH --reason …`: makes a version the active one; refused while a rollout runs. */
export async function policyActivate(options: { config: GatewayConfig; reference: string; reason: string; incident?: string; stdout: Writable }): Promise<number> {
  if (options.reason.trim() === '') throw new PalisadeError('invalid_argument', '--reason must say why');
  return withOperationStores(options.config, { limits: false }, async ({ stores, record }) => {
    const result = await activatePolicy(
      { versions: stores.policyVersions, rollouts: stores.rollouts, record, incidents: stores.incidents },
      { reference: options.reference, reason: options.reason, actor: CLI_ACTOR, now: new Date(), source: 'cli', ...(options.incident === undefined ? {} : { incidentId: options.incident }) },
    );
    options.stdout.write(
      result.changed
        ? `activated ${result.version.hash} (${result.version.name}); gateways apply it at their next read (operations.rollouts.refresh_ms)\n`
        : `${result.version.hash} (${result.version.name}) is the active version already; nothing changed\n`,
    );
    return exitCodes.ok;
  });
}

/** `palisade policy diff A B`: a unified line diff of two stored versions. */
export async function policyDiff(options: { config: GatewayConfig; from: string; to: string; stdout: Writable }): Promise<number> {
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const from = await storedVersion(stores.policyVersions, options.from);
    const to = await storedVersion(stores.policyVersions, options.to);
    if (from.hash === to.hash) {
      options.stdout.write(`both name ${from.hash} (${from.name}): nothing differs\n`);
      return exitCodes.ok;
    }
    const label = (version: StoredPolicyVersion) => `${version.name}@${version.hash.slice(0, 12)}`;
    options.stdout.write(createTwoFilesPatch(label(from), label(to), from.text, to.text, from.createdAt.toISOString(), to.createdAt.toISOString(), { context: 3 }));
    return exitCodes.ok;
  });
}
