import type { LaurelConfig } from '../../config/index.js';
import { drandChains } from './chains.js';
import type { DrawSettings } from './lifecycle.js';

/** The draw journey's settings from the configuration (DRAW_KEY, DRAND_RELAY_URL, …). */
export function drawSettingsFrom(config: LaurelConfig): DrawSettings {
  return {
    drawKey: Buffer.from(config.draws.key, 'utf8'),
    chains: drandChains(config.draws.extraDrandChains),
    publishDir: config.draws.publishDir,
    drandRelayUrl: config.draws.drandRelayUrl,
    publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
  };
}
