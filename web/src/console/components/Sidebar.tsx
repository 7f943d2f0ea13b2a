import { useI18n } from '../../shared/i18n/i18n.js';
import { usePath } from '../router.js';
import { Link } from './Link.js';

export const SECTIONS = ['dashboard', 'members', 'segments', 'campaigns', 'offers', 'missions', 'contests', 'draws', 'rewards', 'referrals', 'templates', 'reports', 'audit'] as const;

export function Sidebar() {
  const { t } = useI18n();
  const path = usePath();
  const active = path === '/' ? 'dashboard' : path.split('/')[1];
  return (
    <nav class="sidebar" aria-label={t('console.nav')}>
      <ul>
        {SECTIONS.map((s) => (
          <li key={s}>
            <Link to={s === 'dashboard' ? '/' : `/${s}`} current={active === s}>
              {t(`nav.${s}`)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
