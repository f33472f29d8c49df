import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorNote } from './error-note.js';
import { ModalDialog } from './modal-dialog.js';

/**
 * The last step of every operational act (a flip, a runbook move, an activation, a rollout's
 * move, closing an incident): the reason, recorded in the audit log, and the confirm button,
 * which stays disabled until a required reason is written. The API's refusal shows here, in the
 * dialog, so the person can correct it without starting over.
 */
export function ReasonAndConfirm(props: {
  idPrefix: string;
  required: boolean;
  confirmLabel: string;
  onConfirm: (reason: string) => Promise<void>;
  onCancel: () => void;
  danger?: boolean;
  /** The other fields of the dialog are valid (default true). */
  ready?: boolean;
  maxLength?: number;
  reasonLabel?: string;
  /** Ids of what the reason field should be read with (the summary). */
  describedBy?: string;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const missing = props.required && reason.trim() === '';
  const hintId = `${props.idPrefix}-reason-hint`;
  async function confirm(event: Event) {
    event.preventDefault();
    if (missing || busy || props.ready === false) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm(reason.trim());
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }
  return (
    <form onSubmit={confirm} class="confirm-act">
      <label class="field wide" for={`${props.idPrefix}-reason`}>
        <span>{props.reasonLabel ?? (props.required ? 'Reason (required, recorded in the audit log)' : 'Reason (optional, recorded in the audit log)')}</span>
        <textarea
          id={`${props.idPrefix}-reason`}
          rows={2}
          maxLength={props.maxLength ?? 500}
          value={reason}
          required={props.required}
          aria-describedby={[props.describedBy, hintId].filter((id) => id !== undefined).join(' ')}
          onInput={(event) => setReason(event.currentTarget.value)}
        />
      </label>
      <p id={hintId} class="muted hint">
        {missing ? 'Write why before confirming: the reason is kept with the change, for whoever reads the log later.' : ' '}
      </p>
      {error === undefined ? null : <ErrorNote error={error} title="The gateway refused:" />}
      <div class="form-actions">
        <button type="submit" class={props.danger === true ? 'danger-solid' : 'primary'} disabled={missing || busy || props.ready === false}>
          {busy ? 'Working…' : props.confirmLabel}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export interface ConfirmAct {
  title: string;
  /** What will happen, in words: shown above the reason. */
  summary: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  reason: 'required' | 'optional';
  reasonLabel?: string;
  maxLength?: number;
  /** Does it; answers the message to show once done. */
  run: (reason: string) => Promise<string>;
}

/** A confirmation dialog for one act: the summary, the reason, confirm or cancel (Escape cancels too). */
export function ConfirmActDialog(props: { act: ConfirmAct | undefined; onClose: () => void; onDone: (message: string) => void }) {
  const act = props.act;
  return (
    <ModalDialog labelId="confirm-act-heading" title={act?.title ?? ''} open={act !== undefined} onClose={props.onClose}>
      {act === undefined ? null : (
        <>
          <div id="confirm-act-summary" class="note note-warning">
            {act.summary}
          </div>
          <ReasonAndConfirm
            idPrefix="confirm-act"
            required={act.reason === 'required'}
            confirmLabel={act.confirmLabel}
            {...(act.danger === undefined ? {} : { danger: act.danger })}
            {...(act.reasonLabel === undefined ? {} : { reasonLabel: act.reasonLabel })}
            {...(act.maxLength === undefined ? {} : { maxLength: act.maxLength })}
            describedBy="confirm-act-summary"
            onCancel={props.onClose}
            onConfirm={async (reason) => {
              const message = await act.run(reason);
              props.onClose();
              props.onDone(message);
            }}
          />
        </>
      )}
    </ModalDialog>
  );
}
