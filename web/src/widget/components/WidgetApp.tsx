import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient } from '../../shared/api/client.js';
import type { Me } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { LocaleSwitch } from '../../shared/components/LocaleSwitch.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { isTokenMessage, SessionContext, storedToken, storeToken, tellParent } from '../session.js';
import { DrawsView } from './DrawsView.js';
import { HomeView } from './HomeView.js';
import { InboxView } from './InboxView.js';
import { MissionsView } from './MissionsView.js';
import { OffersView } from './OffersView.js';
import { PreferencesView } from './PreferencesView.js';
import { RewardsView } from './RewardsView.js';
import { TokenForm } from './TokenForm.js';
import { WidgetNav, type WidgetTab } from './WidgetNav.js';

/** The member widget: waits for a member token, then shows the member's program in tabs. */
export function WidgetApp() {
  const { t } = useI18n();
  const [token, setToken] = useState<string | null>(storedToken());
  const [expired, setExpired] = useState(false);
  const [tab, setTab] = useState<WidgetTab>('home');

  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      if (!isTokenMessage(event.data)) return;
      storeToken(event.data.token);
      setExpired(false);
      setToken(event.data.token);
    };
    window.addEventListener('message', onMessage);
    tellParent({ type: 'laurel:ready' });
    return () => window.removeEventListener('message', onMessage);
  }, []);

  const api = useMemo(
    () =>
      new ApiClient(
        () => token,
        () => {
          storeToken(null);
          setToken(null);
          setExpired(true);
          tellParent({ type: 'laurel:token-expired' });
        },
      ),
    [token],
  );
  const me = useLoad((signal) => (token ? api.get<Me>('/v1/me', undefined, { signal }) : Promise.resolve(null)), [api, token]);
  const memberId = me.data?.kind === 'member' ? me.data.memberId : null;
  const signOut = () => {
    storeToken(null);
    setToken(null);
  };

  return (
    <>
      <header class="topbar">
        <span class="brand">{t('widget.title')}</span>
        <span class="spacer" />
        <LocaleSwitch />
        {token ? (
          <button type="button" class="button ghost" onClick={signOut}>
            {t('widget.signOut')}
          </button>
        ) : null}
      </header>
      {!token ? (
        <main class="widget" id="main">
          <TokenForm expired={expired} onToken={(value) => (storeToken(value), setExpired(false), setToken(value))} />
        </main>
      ) : !memberId ? (
        <main class="widget" id="main">
          {me.error ? <ProblemNotice error={me.error} onRetry={me.reload} /> : <Loading />}
          {me.data && me.data.kind !== 'member' ? <ProblemNotice error={new Error('this page needs a member token, not an API key')} /> : null}
        </main>
      ) : (
        <SessionContext.Provider value={{ api, memberId, signOut }}>
          <WidgetNav tab={tab} onTab={setTab} />
          <main class="widget" id="main" aria-labelledby={`tab-${tab}`}>
            {tab === 'home' ? <HomeView /> : null}
            {tab === 'offers' ? <OffersView /> : null}
            {tab === 'missions' ? <MissionsView /> : null}
            {tab === 'rewards' ? <RewardsView /> : null}
            {tab === 'inbox' ? <InboxView /> : null}
            {tab === 'draws' ? <DrawsView /> : null}
            {tab === 'settings' ? <PreferencesView /> : null}
          </main>
        </SessionContext.Provider>
      )}
    </>
  );
}
