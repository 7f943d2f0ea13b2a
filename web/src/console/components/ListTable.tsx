import type { ComponentChildren, JSX } from 'preact';
import { useI18n } from '../../shared/i18n/i18n.js';

export interface ListColumn {
  label: string;
  /** Right-aligned figures. */
  numeric?: boolean;
}

/**
 * A list page's table in its card: column heads, one row per item (the caller's `<tr>`), a line
 * instead of the table when the list is empty, and "more" when the API has another page.
 */
export function ListTable<T>(props: {
  columns: readonly (string | ListColumn)[];
  items: readonly T[] | undefined;
  row: (item: T) => JSX.Element;
  /** Shown when `items` is an empty list (not while loading). */
  empty?: string;
  onMore?: () => void;
  children?: ComponentChildren;
}) {
  const { t } = useI18n();
  const empty = props.items !== undefined && props.items.length === 0;
  return (
    <section class="card">
      {props.children}
      {empty ? <p class="muted">{props.empty ?? t('state.empty')}</p> : null}
      <div class="table-wrap" hidden={empty}>
        <table>
          <thead>
            <tr>
              {props.columns.map((c) => {
                const column = typeof c === 'string' ? { label: c } : c;
                return (
                  <th scope="col" class={column.numeric ? 'num' : undefined} key={column.label}>
                    {column.label}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>{(props.items ?? []).map(props.row)}</tbody>
        </table>
      </div>
      {props.onMore ? (
        <button type="button" class="button secondary" onClick={props.onMore}>
          {t('action.more')}
        </button>
      ) : null}
    </section>
  );
}
