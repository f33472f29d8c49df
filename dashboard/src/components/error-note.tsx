import { AdminApiError } from '../api/admin-api.js';

/** What went wrong, in words a person can act on; announced to screen readers. */
export function errorMessage(error: unknown): string {
  if (error instanceof AdminApiError) {
    if (error.status === 403) return `This key may not do that: ${error.message}`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNote(props: { error: unknown; title?: string }) {
  return (
    <p class="note note-error" role="alert">
      {props.title === undefined ? null : <strong>{props.title} </strong>}
      {errorMessage(props.error)}
    </p>
  );
}
