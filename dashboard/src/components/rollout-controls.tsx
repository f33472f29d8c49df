import { useState } from 'preact/hooks';
import type { PolicyVersion, Rollout, RolloutBucketBy, RolloutMode } from '../api/operations-wire.js';
import { useSession } from '../session.js';
import type { ConfirmAct } from './confirm-act-dialog.js';
import type { VersionName } from './rollout-report.js';

const MAX_REASON_LENGTH = 1024;
const bucketLabels: Record<RolloutBucketBy, string> = { key: 'key', tenant: 'tenant', end_user: 'end user' };

/** `1, 5, 25, 100` → [1, 5, 25, 100], or why not. */
export function parseStages(text: string): number[] | string {
  const parts = text.split(/[\s,]+/).filter((part) => part !== '');
  if (parts.length === 0) return 'List at least one percent.';
  const stages = parts.map(Number);
  if (stages.some((stage) => !Number.isFinite(stage) || stage < 0 || stage > 100)) return 'Each stage is a percent from 0 to 100.';
  if (stages.some((stage, index) => index > 0 && stage <= (stages[index - 1] as number))) return 'Each stage must be above the one before it.';
  return stages;
}

/** Start a rollout of a pushed version: shadow first, or enforced by stages. */
export function StartRolloutForm(props: { versions: PolicyVersion[]; versionName: VersionName; activeHash: string | undefined; onReview: (act: ConfirmAct) => void }) {
  const { api } = useSession();
  const candidates = props.versions.filter((version) => version.hash !== props.activeHash);
  const [candidate, setCandidate] = useState('');
  const [mode, setMode] = useState<RolloutMode>('shadow');
  const [stagesText, setStagesText] = useState('100');
  const [bucketBy, setBucketBy] = useState<RolloutBucketBy>('key');
  const [minutes, setMinutes] = useState('');
  const [incident, setIncident] = useState('');
  const chosen = candidate === '' ? candidates[0]?.hash : candidate;
  const stages = parseStages(stagesText);
  const every = minutes.trim() === '' ? undefined : Number(minutes);
  const problem = chosen === undefined ? 'Push a version other than the active one first.' : typeof stages === 'string' ? stages : every !== undefined && !(Number.isInteger(every) && every >= 1) ? 'Advance every: a whole number of minutes.' : undefined;

  function review(event: Event) {
    event.preventDefault();
    if (problem !== undefined || chosen === undefined || typeof stages === 'string') return;
    const name = props.versionName(chosen);
    const first = stages[0] as number;
    props.onReview({
      title: `Start a ${mode} rollout`,
      summary:
        mode === 'shadow' ? (
          <p>
            <strong>{name}</strong> will be checked beside the active version on {first} % of subjects (by {bucketLabels[bucketBy]}), deciding nothing: every request is still decided by the active version, and each comparison is counted.
            {stages.length > 1 ? ` Stages: ${stages.join(' → ')} %.` : ''}
          </p>
        ) : (
          <p>
            <strong>{name}</strong> will decide the requests of {first} % of subjects (by {bucketLabels[bucketBy]}), then {stages.slice(1).join(', ') || 'no further stage'} %, {every === undefined ? 'advanced by hand' : `every ${every} minutes while healthy`}. It rolls back by itself if a health threshold is crossed.
          </p>
        ),
      confirmLabel: 'Start the rollout',
      reason: 'optional',
      maxLength: MAX_REASON_LENGTH,
      run: async (reason) => {
        const started = await api.startRollout({
          candidate: chosen,
          stages,
          bucket_by: bucketBy,
          mode,
          ...(every === undefined ? {} : { every_minutes: every }),
          ...(reason === '' ? {} : { reason }),
          ...(incident.trim() === '' ? {} : { incident_id: incident.trim() }),
        });
        return `Rollout ${started.id} started: ${mode}, ${started.percent} %.`;
      },
    });
  }

  return (
    <form class="filters" aria-labelledby="start-heading" onSubmit={review}>
      <h3 id="start-heading" class="form-title">
        Start a rollout
      </h3>
      <label class="field" for="start-candidate">
        <span>Candidate version</span>
        <select id="start-candidate" value={chosen ?? ''} onChange={(event) => setCandidate(event.currentTarget.value)}>
          {candidates.map((version) => (
            <option key={version.hash} value={version.hash}>
              {props.versionName(version.hash)}
            </option>
          ))}
        </select>
      </label>
      <fieldset class="inline-choices">
        <legend>Mode</legend>
        <label class="choice">
          <input type="radio" name="start-mode" checked={mode === 'shadow'} onChange={() => setMode('shadow')} /> shadow (compare only)
        </label>
        <label class="choice">
          <input type="radio" name="start-mode" checked={mode === 'enforce'} onChange={() => setMode('enforce')} /> enforce
        </label>
      </fieldset>
      <label class="field" for="start-stages">
        <span>Stages (percents)</span>
        <input id="start-stages" value={stagesText} spellcheck={false} placeholder="1, 5, 25, 100" onInput={(event) => setStagesText(event.currentTarget.value)} />
      </label>
      <label class="field" for="start-bucket">
        <span>Bucket by</span>
        <select id="start-bucket" value={bucketBy} onChange={(event) => setBucketBy(event.currentTarget.value as RolloutBucketBy)}>
          {(Object.keys(bucketLabels) as RolloutBucketBy[]).map((value) => (
            <option key={value} value={value}>
              {bucketLabels[value]}
            </option>
          ))}
        </select>
      </label>
      <label class="field" for="start-every">
        <span>Advance every (minutes)</span>
        <input id="start-every" type="number" min={1} step={1} value={minutes} placeholder="by hand" onInput={(event) => setMinutes(event.currentTarget.value)} />
      </label>
      <label class="field" for="start-incident">
        <span>Incident (optional)</span>
        <input id="start-incident" value={incident} spellcheck={false} placeholder="inc_…" onInput={(event) => setIncident(event.currentTarget.value)} />
      </label>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={problem !== undefined} aria-describedby="start-problem">
          Review the rollout…
        </button>
        <span id="start-problem" class="muted">
          {problem ?? ''}
        </span>
      </div>
    </form>
  );
}

/** Advance, complete, roll back or abort the running rollout; each through a confirmation. */
export function RolloutMoves(props: { rollout: Rollout; versionName: VersionName; onReview: (act: ConfirmAct) => void }) {
  const { api } = useSession();
  const { rollout } = props;
  const [to, setTo] = useState('');
  const nextStage = rollout.stages.find((stage) => stage > rollout.percent);
  const target = to.trim() === '' ? nextStage : Number(to);
  const candidate = props.versionName(rollout.candidate);
  const baseline = props.versionName(rollout.baseline);
  const move = (kind: 'advance' | 'complete' | 'rollback' | 'abort', body: { to?: number }) => async (reason: string) => {
    const moved = await api.moveRollout(rollout.id, kind, { ...body, ...(reason === '' ? {} : { reason }) });
    if (moved.status === 'running') return `Rollout ${moved.id} advanced: the candidate’s share is ${moved.percent} %.`;
    if (moved.status === 'completed') return `Rollout ${moved.id} completed: ${candidate} is the active version.`;
    return `Rollout ${moved.id} ${moved.status === 'aborted' ? 'aborted' : 'rolled back'}: ${baseline} is the active version.`;
  };
  const advanceProblem = target === undefined ? 'At its last stage: complete it instead.' : !(Number.isFinite(target) && target > rollout.percent && target <= 100) ? `Give a percent above ${rollout.percent} and at most 100.` : undefined;
  return (
    <div class="toolbar rollout-moves" role="group" aria-label="Move the rollout">
      <label class="field" for="advance-to">
        <span>Advance to (percent)</span>
        <input id="advance-to" type="number" min={0} max={100} step={0.01} value={to} placeholder={nextStage === undefined ? '—' : `${nextStage} (next stage)`} onInput={(event) => setTo(event.currentTarget.value)} />
      </label>
      <button
        type="button"
        disabled={advanceProblem !== undefined}
        title={advanceProblem}
        onClick={() =>
          props.onReview({
            title: 'Advance the rollout',
            summary: (
              <p>
                <strong>{candidate}</strong> goes from {rollout.percent} % to {target} % of subjects{rollout.mode === 'shadow' ? ', still compared only, deciding nothing' : ', deciding their requests'}.
              </p>
            ),
            confirmLabel: `Advance to ${target} %`,
            reason: 'optional',
            maxLength: MAX_REASON_LENGTH,
            run: move('advance', to.trim() === '' ? {} : { to: Number(to) }),
          })
        }
      >
        Advance…
      </button>
      <button
        type="button"
        onClick={() =>
          props.onReview({
            title: 'Complete the rollout',
            summary: (
              <p>
                <strong>{candidate}</strong> becomes the active version on every replica and decides every request; the rollout ends.
              </p>
            ),
            confirmLabel: 'Complete it',
            reason: 'optional',
            maxLength: MAX_REASON_LENGTH,
            run: move('complete', {}),
          })
        }
      >
        Complete…
      </button>
      <button
        type="button"
        class="danger"
        onClick={() =>
          props.onReview({
            title: 'Roll the rollout back',
            summary: (
              <p>
                Every replica goes back to <strong>{baseline}</strong>; the rollout ends as rolled back. Say why: the reason is required.
              </p>
            ),
            confirmLabel: 'Roll back',
            danger: true,
            reason: 'required',
            maxLength: MAX_REASON_LENGTH,
            run: move('rollback', {}),
          })
        }
      >
        Roll back…
      </button>
      <button
        type="button"
        class="danger"
        onClick={() =>
          props.onReview({
            title: 'Abort the rollout',
            summary: (
              <p>
                The rollout is called off: <strong>{baseline}</strong> stays the active version{rollout.mode === 'shadow' ? ' and the comparisons stop' : ' and decides every request again'}.
              </p>
            ),
            confirmLabel: 'Abort it',
            danger: true,
            reason: 'optional',
            maxLength: MAX_REASON_LENGTH,
            run: move('abort', {}),
          })
        }
      >
        Abort…
      </button>
    </div>
  );
}
