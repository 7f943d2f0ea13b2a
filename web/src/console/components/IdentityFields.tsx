import { useI18n } from '../../shared/i18n/i18n.js';
import { TextField } from './TextField.js';

/** The id, name and description every created thing starts with (draws, missions, contests). */
export function IdentityFields(props: {
  prefix: string;
  descriptionLabel: string;
  id: string;
  name: string;
  description: string;
  onId: (v: string) => void;
  onName: (v: string) => void;
  onDescription: (v: string) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <div class="row">
        <TextField id={`${props.prefix}-id`} label={t('common.id')} dir="ltr" required value={props.id} onValue={props.onId} />
        <TextField id={`${props.prefix}-name`} label={t('common.name')} grow required value={props.name} onValue={props.onName} />
      </div>
      <div class="field">
        <label for={`${props.prefix}-desc`}>{props.descriptionLabel}</label>
        <textarea id={`${props.prefix}-desc`} rows={2} value={props.description} onInput={(e) => props.onDescription((e.currentTarget as HTMLTextAreaElement).value)} />
      </div>
    </>
  );
}
