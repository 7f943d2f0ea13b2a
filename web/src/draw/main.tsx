import { render } from 'preact';
import '../shared/styles/base.css';
import './draw.css';
import { I18nProvider } from '../shared/i18n/i18n.js';
import { drawCatalogue } from './catalogue.js';
import { DrawPage } from './components/DrawPage.js';

/** /draws/:id — the id is the last path segment. */
const id = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() ?? '');

render(
  <I18nProvider catalogue={drawCatalogue}>
    <DrawPage drawId={id} />
  </I18nProvider>,
  document.getElementById('app')!,
);
