import { render } from 'preact';
import '../shared/styles/base.css';
import './console.css';
import { I18nProvider } from '../shared/i18n/i18n.js';
import { consoleCatalogue } from './catalogue.js';
import { ConsoleApp } from './components/ConsoleApp.js';

render(
  <I18nProvider catalogue={consoleCatalogue}>
    <ConsoleApp />
  </I18nProvider>,
  document.getElementById('app')!,
);
