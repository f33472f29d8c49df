import { useState } from 'preact/hooks';
import { runbookActions, type RunbookAction } from '../api/operations-wire.js';
import { useSession } from '../session.js';
import { ReasonAndConfirm } from './confirm-act-dialog.js';
import { ModalDialog } from './modal-dialog.js';
import { describeRunbook, runbookPlans } from './operations-effects.js';

const MAX_SWITCH_REASON_LENGTH = 500;

function RunbookForm(props: { action: RunbookAction; undo: boolean; incidentId: string | undefined; fixedIncident: boolean; policyOptions: string[]; incidentOptions: string[]; onClose: () => void; onDone: (message: string) => void }) {
  const { api } = useSession();
  const plan = runbookPlans[props.action];
  const [target, setTarget] = useState('');
  const [policy, setPolicy] = useState('');
  const [minutes, setMinutes] = useState('');
  const [incident, setIncident] = useState(props.incidentId ?? '');
  const [undo, setUndo] = useState(props.undo);
  const expiresInSeconds = minutes.trim() === '' || undo ? undefined : Math.round(Number(minutes) * 60);
  const expiryValid = expiresInSeconds === undefined || (Number.isFinite(expiresInSeconds) && expiresInSeconds >= 1);
  const targetValid = plan.target.need !== 'required' || target.trim() !== '';
  const policyValid = !plan.policy || undo || policy.trim() !== '';
  const summary = describeRunbook(props.action, { target, policy: policy.trim(), undo, ...(expiresInSeconds === undefined || !expiryValid ? {} : { expiresInSeconds }) });
  const id = `runbook-${props.action}`;
  return (
    <>
      {plan.target.need === 'none' ? null : (
        <label class="field" for={`${id}-target`}>
          <span>{plan.target.label}</span>
          <input id={`${id}-target`} value={target} required={plan.target.need === 'required'} spellcheck={false} maxLength={256} onInput={(event) => setTarget(event.currentTarget.value)} />
        </label>
      )}
      {plan.policy && !undo ? (
        <label class="field" for={`${id}-policy`}>
          <span>Policy version (hash, 8+ hex digits, or name)</span>
          <input id={`${id}-policy`} value={policy} required list={`${id}-policies`} spellcheck={false} maxLength={256} onInput={(event) => setPolicy(event.currentTarget.value)} />
          <datalist id={`${id}-policies`}>
            {props.policyOptions.map((option) => (
              <option key={option} value={option} />
            ))}
          </datalist>
        </label>
      ) : null}
      <label class="choice">
        <input type="checkbox" checked={undo} onChange={(event) => setUndo(event.currentTarget.checked)} /> Undo this move
      </label>
      <div class="toolbar">
        {undo ? null : (
          <label class="field" for={`${id}-minutes`}>
            <span>Lifts itself after (minutes, optional)</span>
            <input id={`${id}-minutes`} type="number" min={1} step={1} value={minutes} onInput={(event) => setMinutes(event.currentTarget.value)} />
          </label>
        )}
        {props.fixedIncident ? (
          <p class="field-static">
            For incident <code>{props.incidentId}</code>
          </p>
        ) : (
          <label class="field" for={`${id}-incident`}>
            <span>Incident (optional)</span>
            <input id={`${id}-incident`} value={incident} list={`${id}-incidents`} spellcheck={false} placeholder="inc_…" onInput={(event) => setIncident(event.currentTarget.value)} />
            <datalist id={`${id}-incidents`}>
              {props.incidentOptions.map((option) => (
                <option key={option} value={option} />
              ))}
            </datalist>
          </label>
        )}
      </div>
      <p id={`${id}-summary`} class="note note-warning" aria-live="polite">
        {summary}
      </p>
      <ReasonAndConfirm
        idPrefix={id}
        required
        maxLength={MAX_SWITCH_REASON_LENGTH}
        confirmLabel={undo ? 'Turn it back on' : plan.verb}
        danger={!undo}
        ready={targetValid && policyValid && expiryValid}
        describedBy={`${id}-summary`}
        onCancel={props.onClose}
        onConfirm={async (reason) => {
          const done = await api.runbook(props.action, {
            reason,
            ...(target.trim() === '' ? {} : { target: target.trim() }),
            ...(plan.policy && !undo ? { policy: policy.trim() } : {}),
            ...(undo ? { undo: true } : {}),
            ...(expiresInSeconds === undefined ? {} : { expires_in_seconds: expiresInSeconds }),
            ...(incident.trim() === '' ? {} : { incident_id: incident.trim() }),
          });
          props.onClose();
          props.onDone(`${undo ? `Undone: ${plan.label.toLowerCase()}` : plan.label}. The ${done.scope} switch ${done.scope === 'global' ? '' : `${done.id} `}was ${done.previous_state}, is now ${done.state}.`);
        }}
      />
    </>
  );
}

/**
 * The runbook's moves as quick actions (docs/operations.md, "Runbook actions"): each opens a
 * dialog with what it needs (target, policy, expiry, incident), what it will do in words, the
 * mandatory reason and the confirm button. With `incidentId`, every move is taken for that
 * incident and lands on its timeline.
 */
export function RunbookPanel(props: { heading: string; headingId: string; incidentId?: string; draining?: boolean; policyOptions?: string[]; incidentOptions?: string[]; onDone: (message: string) => void }) {
  const [open, setOpen] = useState<{ action: RunbookAction; undo: boolean } | undefined>(undefined);
  const close = () => setOpen(undefined);
  const plan = open === undefined ? undefined : runbookPlans[open.action];
  return (
    <section aria-labelledby={props.headingId} class="runbook">
      <h2 id={props.headingId}>{props.heading}</h2>
      <p class="muted">Each move is a kill-switch flip on every replica, audited{props.incidentId === undefined ? '' : ' and put on this incident’s timeline'}; it asks for a reason and a confirmation first.</p>
      <div class="runbook-actions">
        {runbookActions.map((action) => {
          const undoDrain = action === 'drain' && props.draining === true;
          return (
            <button key={action} type="button" class={undoDrain ? 'primary' : action === 'drain' ? 'danger' : undefined} onClick={() => setOpen({ action, undo: undoDrain })}>
              {undoDrain ? 'Undo drain…' : `${runbookPlans[action].label}…`}
            </button>
          );
        })}
      </div>
      <ModalDialog labelId="runbook-heading" title={plan === undefined ? '' : open?.undo === true ? `Undo: ${plan.label}` : plan.label} open={open !== undefined} onClose={close}>
        {open === undefined ? null : (
          <RunbookForm
            key={`${open.action}-${String(open.undo)}`}
            action={open.action}
            undo={open.undo}
            incidentId={props.incidentId}
            fixedIncident={props.incidentId !== undefined}
            policyOptions={props.policyOptions ?? []}
            incidentOptions={props.incidentOptions ?? []}
            onClose={close}
            onDone={props.onDone}
          />
        )}
      </ModalDialog>
    </section>
  );
}
