import type { JSX } from 'preact';
import { useState } from 'preact/hooks';

/**
 * A list page's heading with its "new" button: the button opens the create form; once the form
 * has created something it closes, says what was created and lets the page reload its list.
 */
export function CreatableHead(props: {
  title: string;
  newLabel: string;
  createdMessage: (id: string) => string;
  form: (onCreated: (id: string) => void) => JSX.Element;
  onCreated: (id: string) => void;
}) {
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  return (
    <>
      <div class="page-head">
        <h1>{props.title}</h1>
        <button type="button" class="button" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          {props.newLabel}
        </button>
      </div>
      {creating
        ? props.form((id) => {
            setCreating(false);
            setCreated(id);
            props.onCreated(id);
          })
        : null}
      {created ? (
        <p class="notice-ok" role="status">
          {props.createdMessage(created)}
        </p>
      ) : null}
    </>
  );
}
