export { loadConfigFile, parseConfig } from './load.js';
export { ConfigError, formatProblem } from './errors.js';
export type { AssetSimulation, ConfigProblem, ConfiguredSite, StoreConfig, VppConfig } from './types.js';
export type { BdewForecastProfile, SiteLoadForecast, SitePlanning, SiteTariff, TariffPeriodMin } from './planning.js';
