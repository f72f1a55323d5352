export { loadConfigFile, parseConfig } from './load.js';
export { ConfigError, formatProblem } from './errors.js';
export type { AssetSimulation, ClusterConfig, ConfigProblem, ConfiguredSite, StoreConfig, VppConfig } from './types.js';
export type { NorthboundConfig } from './northbound.js';
export type { BdewForecastProfile, SiteLoadForecast, SitePlanning, SiteTariff, TariffPeriodMin } from './planning.js';
export type { CarbonSeries } from './carbon.js';
