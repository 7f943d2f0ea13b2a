import { common } from '../shared/i18n/messages/common.js';
import { consoleMessages } from '../shared/i18n/messages/console.js';

export const consoleCatalogue = { ...common, ...consoleMessages };
