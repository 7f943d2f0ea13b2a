import type { Predicate } from '../../../../src/program/predicate-schema.js';
import type { Segment } from '../../../../src/segments/schema.js';
import type { ProgramView, SegmentView } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

/** Who may take part, as the form holds it: tiers ticked (none = every tier) and a saved segment. */
export interface EligibilityChoice {
  tiers: string[];
  segment: SegmentView | null;
}

export const EVERYONE: EligibilityChoice = { tiers: [], segment: null };

/**
 * The choice as a mission or contest definition takes it: a predicate over the member's tier
 * (absent when no tier, or every tier, is ticked) and the saved segment's definition (both must hold).
 */
export function eligibilityOf(choice: EligibilityChoice, allTiers: number): { predicate?: Predicate; segment?: Segment } {
  const limited = choice.tiers.length > 0 && choice.tiers.length < allTiers;
  return {
    ...(limited ? { predicate: { field: 'member.tierId', op: 'in', value: choice.tiers } } : {}),
    ...(choice.segment ? { segment: choice.segment.definition as Segment } : {}),
  };
}

/** Tier checkboxes from the program and a saved segment (GET /v1/segments); reports the tier count with each change. */
export function EligibilityFields(props: { prefix: string; value: EligibilityChoice; onChange(value: EligibilityChoice, allTiers: number): void }) {
  const { api } = useConsole();
  const { t } = useI18n();
  const program = useLoad((signal) => api.get<ProgramView>('/v1/program', undefined, { signal }), []);
  const segments = useLoad((signal) => api.get<{ items: SegmentView[] }>('/v1/segments', undefined, { signal }), []);
  const tiers = program.data?.definition.tiers ?? [];
  const toggle = (tierId: string, on: boolean) => {
    const chosen = on ? [...props.value.tiers, tierId] : props.value.tiers.filter((x) => x !== tierId);
    props.onChange({ ...props.value, tiers: tiers.map((tier) => tier.id).filter((id) => chosen.includes(id)) }, tiers.length);
  };
  return (
    <fieldset data-testid="eligibility">
      <legend>{t('eligibility.title')}</legend>
      <p class="small muted">{t('eligibility.hint')}</p>
      <div class="row">
        {tiers.map((tier) => (
          <label key={tier.id} class="row" style={{ fontWeight: 400 }}>
            <input type="checkbox" id={`${props.prefix}-tier-${tier.id}`} checked={props.value.tiers.includes(tier.id)} onChange={(e) => toggle(tier.id, (e.currentTarget as HTMLInputElement).checked)} />
            {tier.name}
          </label>
        ))}
      </div>
      <div class="field">
        <label for={`${props.prefix}-segment`}>{t('eligibility.segment')}</label>
        <select
          id={`${props.prefix}-segment`}
          value={props.value.segment?.id ?? ''}
          onChange={(e) => props.onChange({ ...props.value, segment: segments.data?.items.find((s) => s.id === (e.currentTarget as HTMLSelectElement).value) ?? null }, tiers.length)}
        >
          <option value="">{t('eligibility.everyone')}</option>
          {(segments.data?.items ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
    </fieldset>
  );
}
