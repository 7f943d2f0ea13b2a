import { useMemo, useState } from 'preact/hooks';
import { ApiClient } from '../../shared/api/client.js';
import type { Me } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { LocaleSwitch } from '../../shared/components/LocaleSwitch.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { ConsoleContext, storedKey, storeKey } from '../session.js';
import { Routes } from './Routes.js';
import { Sidebar } from './Sidebar.js';
import { SignIn } from './SignIn.js';

/** Sign-in gate, top bar, sections. Every page calls the public API with the key in a header. */
export function ConsoleApp() {
  const { t } = useI18n();
  const [key, setKey] = useState<string | null>(storedKey());
  const [expired, setExpired] = useState(false);
  const api = useMemo(
    () =>
      new ApiClient(
        () => key,
        () => {
          storeKey(null);
          setKey(null);
          setExpired(true);
        },
      ),
    [key],
  );
  const me = useLoad((signal) => (key ? api.get<Me>('/v1/me', undefined, { signal }) : Promise.resolve(null)), [api, key]);
  const signOut = () => {
    storeKey(null);
    setKey(null);
  };
  const keyMe = me.data?.kind === 'key' && (me.data.role === 'admin' || me.data.role === 'marketer') ? me.data : null;
  return (
    <>
      <header class="topbar">
        <span class="brand">{t('console.title')}</span>
        <span class="spacer" />
        {keyMe ? <span class="small muted">{t('console.role', { name: keyMe.name, role: keyMe.role })}</span> : null}
        <LocaleSwitch />
        {key ? (
          <button type="button" class="button ghost" onClick={signOut}>
            {t('console.signOut')}
          </button>
        ) : null}
      </header>
      {!key ? (
        <main class="page" id="main">
          <SignIn expired={expired} onKey={(k) => (storeKey(k), setExpired(false), setKey(k))} />
        </main>
      ) : !keyMe ? (
        <main class="page" id="main">
          {me.error ? <ProblemNotice error={me.error} onRetry={me.reload} /> : null}
          {me.data ? <ProblemNotice error={new Error(t('console.signIn.wrongRole', { role: me.data.role }))} /> : null}
          {!me.data && !me.error ? <Loading /> : null}
        </main>
      ) : (
        <ConsoleContext.Provider value={{ api, me: keyMe, isAdmin: keyMe.role === 'admin' }}>
          <div class="console">
            <Sidebar />
            <main class="console-main" id="main">
              <Routes />
            </main>
          </div>
        </ConsoleContext.Provider>
      )}
    </>
  );
}
