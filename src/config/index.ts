// The config layer: config.json and baseline files, validated and resolved.
// It imports only src/model.

export { BaselineError } from './baseline-error.js';
export { loadBaselines, validateBaselineFiles, listBaselineFiles } from './baselines.js';
export type { BaselineFileReport, LoadedBaselines } from './baselines.js';
export { parseBaselineDocument } from './baselines-document.js';
export type { BaselineParseOptions, BaselineParseResult } from './baselines-document.js';
export { loadConfig } from './config.js';
export type { LoadConfigOptions, LoadedConfig } from './config.js';
export { CONFIG_DEFAULTS } from './config-defaults.js';
export { ConfigError } from './config-error.js';
export { LOG_LEVELS } from './config-types.js';
export type { Config, LogLevel, MaskedConfig, TlsConfig, VcenterConfig } from './config-types.js';
export { maskConfig } from './mask-config.js';
export { Secret } from './secret.js';
