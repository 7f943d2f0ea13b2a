export { parseQuietHours, quietHoursApply, quietHoursRelease, type QuietHours } from './quiet-hours.js';
export {
  DEFAULT_FREQUENCY_CAPS,
  parseFrequencyCaps,
  capPeriods,
  capExceeded,
  weekStartFor,
  type FrequencyCap,
  type FrequencyCaps,
  type CapPeriods,
} from './frequency-caps.js';
export { consentAllows } from './consent.js';
export { checkAddress, normalizeAddress } from './recipient.js';
