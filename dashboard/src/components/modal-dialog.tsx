import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal on the native <dialog>: the browser keeps focus inside it, Escape closes it, and focus
 * returns to what opened it.
 */
export function ModalDialog(props: { title: string; open: boolean; onClose: () => void; children: ComponentChildren; labelId: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element === null) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby={props.labelId} onClose={props.onClose} onCancel={props.onClose}>
      <h2 id={props.labelId}>{props.title}</h2>
      {props.open ? props.children : null}
    </dialog>
  );
}
