import { useSession } from '../session.js';

/**
 * For a page whose every route needs an `operator` key (they act on the whole deployment): a
 * tenant admin gets the page's heading and a note saying so, and the page asks the API nothing.
 */
export function OperatorOnly(props: { title: string; headingId: string; what: string }) {
  const { whoami } = useSession();
  return (
    <section aria-labelledby={props.headingId}>
      <div class="page-head">
        <h1 id={props.headingId}>{props.title}</h1>
      </div>
      <div class="note note-warning">
        <p>
          <strong>This page needs an operator key.</strong> {props.what} act on the whole deployment, every tenant at once, so the admin API shows and changes them for keys with the <code>operator</code> scope only.
        </p>
        <p>
          You are signed in with an admin key of the tenant <strong>{whoami.tenant.id}</strong>. Sign out and sign in with an operator key to use this page; your tenant’s own traffic, reviews, audit log and keys are on the other pages.
        </p>
      </div>
    </section>
  );
}
