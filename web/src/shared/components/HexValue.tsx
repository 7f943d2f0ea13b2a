import { useState } from 'preact/hooks';
import { useI18n } from '../i18n/i18n.js';

/** A hash or pid: monospace, left-to-right even in a right-to-left page, shortened with a copy button. */
export function HexValue(props: { value: string; short?: boolean; label?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const shown = props.short && props.value.length > 20 ? `${props.value.slice(0, 10)}…${props.value.slice(-8)}` : props.value;
  return (
    <span class="hex">
      <code dir="ltr" title={props.value}>
        {shown}
      </code>
      <button
        type="button"
        class="button link"
        aria-label={`${t('action.copy')} ${props.label ?? ''}`.trim()}
        onClick={() => {
          void navigator.clipboard?.writeText(props.value).then(() => setCopied(true));
        }}
      >
        {copied ? t('action.copied') : t('action.copy')}
      </button>
    </span>
  );
}
