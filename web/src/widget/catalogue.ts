import { common } from '../shared/i18n/messages/common.js';
import { widget } from '../shared/i18n/messages/widget.js';

export const widgetCatalogue = { ...common, ...widget };
