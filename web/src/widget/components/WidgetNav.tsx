import { useI18n } from '../../shared/i18n/i18n.js';

export type WidgetTab = 'home' | 'offers' | 'missions' | 'rewards' | 'inbox' | 'draws' | 'settings';
const TABS: readonly WidgetTab[] = ['home', 'offers', 'missions', 'rewards', 'inbox', 'draws', 'settings'];

/** Tabs across the top (scrolls sideways on a narrow phone). */
export function WidgetNav(props: { tab: WidgetTab; onTab(tab: WidgetTab): void }) {
  const { t } = useI18n();
  return (
    <nav class="widget-nav" aria-label={t('widget.nav')}>
      <div role="tablist" class="row" style={{ flexWrap: 'nowrap' }}>
        {TABS.map((tab) => (
          <button key={tab} type="button" role="tab" id={`tab-${tab}`} aria-selected={props.tab === tab} aria-controls="main" onClick={() => props.onTab(tab)}>
            {t(`widget.tab.${tab}`)}
          </button>
        ))}
      </div>
    </nav>
  );
}
