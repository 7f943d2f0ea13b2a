/**
 * A labelled input (text, number, date) as the console's forms lay it out: the label above, the
 * value handed over as text. `grow` lets it take the rest of its row (a name beside an id).
 */
export function TextField(props: {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  type?: 'text' | 'number' | 'datetime-local';
  min?: number;
  max?: number;
  dir?: 'ltr';
  required?: boolean;
  grow?: boolean;
}) {
  const { id, label, value, onValue, grow, ...attributes } = props;
  // Preact types an input per `type` (a union TypeScript cannot pick from a variable); these few attributes suit each.
  const inputAttributes = attributes as object;
  return (
    <div class="field" style={grow ? { flex: 1 } : undefined}>
      <label for={id}>{label}</label>
      <input id={id} {...inputAttributes} style={grow ? { width: '100%' } : undefined} value={value} onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)} />
    </div>
  );
}
