import { common } from '../shared/i18n/messages/common.js';
import { draw } from '../shared/i18n/messages/draw.js';

export const drawCatalogue = { ...common, ...draw };
