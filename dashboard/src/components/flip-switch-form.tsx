import type { Ref } from 'preact';
import { switchScopes, switchStates, type FlipBody, type SwitchScope, type SwitchState } from '../api/operations-wire.js';
import type { PlannedFlip } from './operations-effects.js';

/** The flip being prepared, as its fields hold it (text as typed). */
export interface FlipDraft {
  scope: SwitchScope;
  id: string;
  state: SwitchState;
  tools: boolean;
  policy: string;
  minutes: string;
  incident: string;
}

export const emptyFlipDraft: FlipDraft = { scope: 'model', id: '', state: 'off', tools: false, policy: '', minutes: '', incident: '' };

const stateLabels: Record<SwitchState, string> = {
  off: 'off: refuse with 503',
  degrade: 'degrade: serve, tightened',
  on: 'on: back to normal',
};

const expiresInSeconds = (draft: FlipDraft): number | undefined => (draft.minutes.trim() === '' || draft.state === 'on' ? undefined : Math.round(Number(draft.minutes) * 60));

/** What keeps the draft from being sent, in words; `undefined` when it can be. */
export function flipProblem(draft: FlipDraft): string | undefined {
  if (draft.scope !== 'global' && draft.id.trim() === '') return `Name the ${draft.scope} the switch covers.`;
  if (draft.state === 'degrade' && !draft.tools && draft.policy.trim() === '') return 'A degrade needs tools disabled, a policy version, or both.';
  const seconds = expiresInSeconds(draft);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 1)) return 'The expiry must be a positive number of minutes.';
  return undefined;
}

export function plannedFlipOf(draft: FlipDraft): PlannedFlip {
  const seconds = expiresInSeconds(draft);
  return {
    scope: draft.scope,
    id: draft.scope === 'global' ? '*' : draft.id.trim(),
    state: draft.state,
    ...(draft.state === 'degrade' ? { degrade: { tools: draft.tools, ...(draft.policy.trim() === '' ? {} : { policy: draft.policy.trim() }) } } : {}),
    ...(seconds === undefined ? {} : { expiresInSeconds: seconds }),
  };
}

export function flipBodyOf(draft: FlipDraft, reason: string): FlipBody {
  const seconds = expiresInSeconds(draft);
  return {
    state: draft.state,
    reason,
    ...(draft.state === 'degrade' ? { degrade: { ...(draft.tools ? { tools: 'disabled' as const } : {}), ...(draft.policy.trim() === '' ? {} : { policy: draft.policy.trim() }) } } : {}),
    ...(seconds === undefined ? {} : { expires_in_seconds: seconds }),
    ...(draft.incident.trim() === '' ? {} : { incident_id: draft.incident.trim() }),
  };
}

/** The switch to flip, its state and options; "Review the flip…" opens the confirmation. */
export function FlipSwitchForm(props: { draft: FlipDraft; onChange: (draft: FlipDraft) => void; onReview: () => void; policyOptions: string[]; incidentOptions: string[]; scopeRef?: Ref<HTMLSelectElement> }) {
  const { draft } = props;
  const set = (changes: Partial<FlipDraft>) => props.onChange({ ...draft, ...changes });
  const problem = flipProblem(draft);
  return (
    <form
      class="filters flip-form"
      aria-labelledby="flip-heading"
      onSubmit={(event) => {
        event.preventDefault();
        if (problem === undefined) props.onReview();
      }}
    >
      <h2 id="flip-heading" class="form-title">
        Flip a switch
      </h2>
      <label class="field" for="flip-scope">
        <span>Scope</span>
        <select id="flip-scope" ref={props.scopeRef} value={draft.scope} onChange={(event) => set({ scope: event.currentTarget.value as SwitchScope })}>
          {switchScopes.map((scope) => (
            <option key={scope} value={scope}>
              {scope === 'global' ? 'global (every request)' : scope}
            </option>
          ))}
        </select>
      </label>
      <label class="field" for="flip-id">
        <span>{draft.scope === 'global' ? 'Id (global is *)' : `${draft.scope[0]?.toUpperCase() ?? ''}${draft.scope.slice(1)} id`}</span>
        <input id="flip-id" value={draft.scope === 'global' ? '*' : draft.id} disabled={draft.scope === 'global'} spellcheck={false} maxLength={256} placeholder={draft.scope === 'model' ? 'e.g. gpt-4o' : ''} onInput={(event) => set({ id: event.currentTarget.value })} />
      </label>
      <fieldset class="inline-choices">
        <legend>New state</legend>
        {switchStates
          .slice()
          .reverse()
          .map((state) => (
            <label key={state} class="choice">
              <input type="radio" name="flip-state" value={state} checked={draft.state === state} onChange={() => set({ state })} /> {stateLabels[state]}
            </label>
          ))}
      </fieldset>
      {draft.state === 'degrade' ? (
        <fieldset class="inline-choices">
          <legend>How to tighten</legend>
          <label class="choice">
            <input type="checkbox" checked={draft.tools} onChange={(event) => set({ tools: event.currentTarget.checked })} /> Refuse every tool call
          </label>
          <label class="field" for="flip-policy">
            <span>Policy version (optional)</span>
            <input id="flip-policy" value={draft.policy} list="flip-policies" spellcheck={false} maxLength={256} placeholder="hash, prefix or name" onInput={(event) => set({ policy: event.currentTarget.value })} />
            <datalist id="flip-policies">
              {props.policyOptions.map((option) => (
                <option key={option} value={option} />
              ))}
            </datalist>
          </label>
        </fieldset>
      ) : null}
      <label class="field" for="flip-minutes">
        <span>Lifts itself after (minutes)</span>
        <input id="flip-minutes" type="number" min={1} step={1} value={draft.minutes} disabled={draft.state === 'on'} placeholder={draft.state === 'on' ? 'never' : 'optional'} onInput={(event) => set({ minutes: event.currentTarget.value })} />
      </label>
      <label class="field" for="flip-incident">
        <span>Incident (optional)</span>
        <input id="flip-incident" value={draft.incident} list="flip-incidents" spellcheck={false} placeholder="inc_…" onInput={(event) => set({ incident: event.currentTarget.value })} />
        <datalist id="flip-incidents">
          {props.incidentOptions.map((option) => (
            <option key={option} value={option} />
          ))}
        </datalist>
      </label>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={problem !== undefined} aria-describedby="flip-problem">
          Review the flip…
        </button>
        <span id="flip-problem" class="muted">
          {problem ?? ''}
        </span>
      </div>
    </form>
  );
}
