import { render } from 'preact';
import '../shared/styles/base.css';
import './widget.css';
import { I18nProvider } from '../shared/i18n/i18n.js';
import { widgetCatalogue } from './catalogue.js';
import { WidgetApp } from './components/WidgetApp.js';

render(
  <I18nProvider catalogue={widgetCatalogue}>
    <WidgetApp />
  </I18nProvider>,
  document.getElementById('app')!,
);
