import { describe, expect, it } from 'vitest';
import { parseScenario, SCENARIO_INVALID, ScenarioError } from '../../simulators/scenario/index.js';
import { SCENARIO_FIXTURES, problemLines, variant, type Doc } from '../fixtures/scenarios/variant.js';

/**
 * Each row breaks the contract example in one way and names the exact line the loader must
 * print (`file: path: reason, got value`). Rows with `contains` match the start of a line where
 * the rest depends on the machine (absolute paths).
 */
interface Row {
  readonly name: string;
  readonly edit: (d: Doc) => void;
  readonly line?: string;
  readonly contains?: string;
}

const site = (d: Doc): Doc => d.sites[0] as Doc;
const assets = (d: Doc): Doc[] => site(d).assets as Doc[];

const ROWS: Row[] = [
  { name: 'battery capacity 0', edit: (d) => (assets(d)[4]!.capacityKwh = 0), line: 'plant.yaml: sites[0].assets[4].capacityKwh: must be > 0, got 0' },
  { name: 'NaN capacity', edit: (d) => (assets(d)[4]!.capacityKwh = NaN), line: 'plant.yaml: sites[0].assets[4].capacityKwh: must be a number, got NaN' },
  { name: 'unsupported version', edit: (d) => (d.version = 2), line: 'plant.yaml: version: must be a supported version (1), got 2' },
  { name: 'missing version', edit: (d) => delete d.version, line: 'plant.yaml: version: is required (supported: 1)' },
  { name: 'misspelt field', edit: (d) => ((d.durationHours = 24), delete d.durationH), line: 'plant.yaml: durationHours: unknown field (check its spelling and unit suffix)' },
  { name: 'missing field', edit: (d) => delete d.durationH, line: 'plant.yaml: durationH: is required' },
  { name: 'unknown asset type', edit: (d) => (assets(d)[0]!.type = 'windTurbine'), line: 'plant.yaml: sites[0].assets[0].type: must be one of load, pv, battery, hvac, evCharger, got "windTurbine"' },
  { name: 'field of another asset type', edit: (d) => (assets(d)[3]!.capacityKwh = 10), line: 'plant.yaml: sites[0].assets[3].capacityKwh: unknown field (check its spelling and unit suffix)' },
  { name: 'unknown weather', edit: (d) => (assets(d)[3]!.weather = 'berlin'), line: 'plant.yaml: sites[0].assets[3].weather: must be one of tmy3-723170, got "berlin"' },
  { name: 'bad serve', edit: (d) => (assets(d)[6]!.serve = 'bacnet'), line: 'plant.yaml: sites[0].assets[6].serve: must be one of modbus, opcua, mqtt, got "bacnet"' },
  { name: 'bad fallback', edit: (d) => (assets(d)[4]!.fallback = 'off'), line: 'plant.yaml: sites[0].assets[4].fallback: must be idle, {powerKw: number} or {limitPct: 0..100}, got "off"' },
  { name: 'fallback beyond the battery', edit: (d) => (assets(d)[4]!.fallback = { powerKw: 300 }), line: 'plant.yaml: sites[0].assets[4].fallback.powerKw: must lie within [-maxDischargeKw, maxChargeKw] = [-250, 250], got 300' },
  { name: 'SoC bounds swapped', edit: (d) => (assets(d)[4]!.minSocPct = 96), line: 'plant.yaml: sites[0].assets[4].maxSocPct: must be > minSocPct (96), got 95' },
  { name: 'SoC outside bounds', edit: (d) => (assets(d)[4]!.socPct = 5), line: 'plant.yaml: sites[0].assets[4].socPct: must lie within [minSocPct, maxSocPct] = [10, 95], got 5' },
  { name: 'two profile forms', edit: (d) => (assets(d)[0]!.profile.constantKw = 5), line: 'plant.yaml: sites[0].assets[0].profile: must be one of {bdew, annualKwh}, {constantKw} or {csv}, got {"bdew":"g25","annualKwh":3000000,"constantKw":5}' },
  { name: 'bdew without energy', edit: (d) => delete assets(d)[0]!.profile.annualKwh, line: 'plant.yaml: sites[0].assets[0].profile.annualKwh: is required with bdew, got nothing' },
  { name: 'profile csv missing', edit: (d) => (assets(d)[1]!.profile.csv = 'nope.csv'), contains: `plant.yaml: sites[0].assets[1].profile.csv: file not found (looked for ${SCENARIO_FIXTURES}nope.csv), got "nope.csv"` },
  { name: 'profile csv bad value', edit: (d) => (assets(d)[1]!.profile.csv = 'bad-line.csv'), line: 'plant.yaml: sites[0].assets[1].profile.csv: bad-line.csv line 3: powerKw must be a number, got "abc"' },
  { name: 'profile csv out of order', edit: (d) => (assets(d)[1]!.profile.csv = 'bad-line.csv'), line: 'plant.yaml: sites[0].assets[1].profile.csv: bad-line.csv line 4: time must be later than the row before, got "2025-07-14T23:00:00+08:00"' },
  { name: 'profile csv starts late', edit: (d) => (assets(d)[1]!.profile.csv = 'late-start.csv'), line: 'plant.yaml: sites[0].assets[1].profile.csv: late-start.csv must have a value at the scenario start (first row at or before it), got "2025-07-14T22:00:00.000Z"' },
  { name: 'EV without departure', edit: (d) => delete assets(d)[6]!.departs, contains: 'plant.yaml: sites[0].assets[6]: must give either arrives, departs and energyNeededKwh (daily) or sessions' },
  { name: 'EV local time', edit: (d) => (assets(d)[6]!.arrives = '8:30'), line: 'plant.yaml: sites[0].assets[6].arrives: must be a local time HH:MM, e.g. "08:30" (quote it in YAML), got "8:30"' },
  { name: 'EV too small for 6 A', edit: (d) => (assets(d)[6]!.maxKw = 3), line: 'plant.yaml: sites[0].assets[6].maxKw: must be at least the minimum charging power minA × voltageV × phases = 4.14 kW, got 3' },
  { name: 'duplicate unit id', edit: (d) => ((assets(d)[0]!.unitId = 5), (assets(d)[2]!.unitId = 5)), line: 'plant.yaml: sites[0].assets[2].unitId: must differ from sites[0].assets[0] on the site\'s Modbus server, got 5' },
  { name: 'unknown zone', edit: (d) => (site(d).timezone = 'Mars/Olympus'), line: 'plant.yaml: sites[0].timezone: must be an IANA time zone this runtime knows, e.g. Asia/Shanghai, got "Mars/Olympus"' },
  { name: 'peak target above the limit', edit: (d) => (site(d).peakTargetKw = 900), line: 'plant.yaml: sites[0].peakTargetKw: must be <= gridImportLimitKw (800), got 900' },
  { name: 'duplicate site id', edit: (d) => d.sites.push({ id: 'plant-1', gridImportLimitKw: 10, assets: [] }), line: 'plant.yaml: sites[1].id: must be unique (also sites[0]), got "plant-1"' },
  { name: 'duplicate asset id across sites', edit: (d) => d.sites.push({ id: 'plant-2', gridImportLimitKw: 10, assets: [{ id: 'bess', type: 'load', profile: { constantKw: 1 } }] }), line: 'plant.yaml: sites[1].assets[0].id: must be unique across the scenario (also sites[0].assets[4].id), got "bess"' },
  { name: 'asset id taken by a meter', edit: (d) => (assets(d)[2]!.id = 'plant-1-meter'), line: 'plant.yaml: sites[0].assets[2].id: must be unique across the scenario (also sites[0].meter (default id)), got "plant-1-meter"' },
  { name: 'no sites', edit: (d) => (d.sites = []), line: 'plant.yaml: sites: must have at least 1 item(s), got []' },
  { name: 'start without offset', edit: (d) => (d.start = '2025-07-15T00:00:00'), line: 'plant.yaml: start: must be ISO 8601 with an offset, e.g. 2025-07-15T14:00:00+08:00, got "2025-07-15T00:00:00"' },
  { name: 'start that does not exist', edit: (d) => (d.start = '2025-02-30T00:00:00+08:00'), line: 'plant.yaml: start: is not a valid date, got "2025-02-30T00:00:00+08:00"' },
  { name: 'duration 0', edit: (d) => (d.durationH = 0), line: 'plant.yaml: durationH: must be > 0, got 0' },
  { name: 'step 0', edit: (d) => (d.stepS = 0), line: 'plant.yaml: stepS: must be > 0, got 0' },
  { name: 'step that splits minutes', edit: (d) => (d.stepS = 45), line: 'plant.yaml: stepS: must divide 60 s or be a multiple of 60 s that divides 900 s (so minutes and quarter hours hold whole steps), got 45' },
  { name: 'duration not whole steps', edit: (d) => (d.durationH = 0.01), line: 'plant.yaml: durationH: must be a whole number of steps of 60 s, got 0.01' },
  { name: 'forecast unknown', edit: (d) => (d.forecast = 'magic'), line: 'plant.yaml: forecast: must be perfect, persistence or noisy:<pct> with 0 < pct <= 100, e.g. noisy:10, got "magic"' },
  { name: 'forecast noisy 0', edit: (d) => (d.forecast = 'noisy:0'), line: 'plant.yaml: forecast: must be perfect, persistence or noisy:<pct> with 0 < pct <= 100, e.g. noisy:10, got "noisy:0"' },
  { name: 'seed not an integer', edit: (d) => (d.seed = 1.5), line: 'plant.yaml: seed: must be an integer, got 1.5' },
  { name: 'tariff gap', edit: (d) => d.tariff.import.pop(), line: 'plant.yaml: tariff.import: must cover 00:00-24:00 without gaps: nothing covers 22:00-24:00' },
  { name: 'tariff overlap', edit: (d) => (d.tariff.import[0].to = '09:00'), line: 'plant.yaml: tariff.import[1].from: overlaps an earlier period that runs to 09:00, got "08:00"' },
  { name: 'tariff across midnight', edit: (d) => (d.tariff.import = [{ from: '08:00', to: '22:00', pricePerKwh: 1 }, { from: '22:00', to: '08:00', pricePerKwh: 0.3 }]), line: 'plant.yaml: tariff.import[1].to: must be after from (22:00); split a period that crosses midnight in two, got "08:00"' },
  { name: 'tariff hour 25', edit: (d) => (d.tariff.import[2].from = '25:00'), line: 'plant.yaml: tariff.import[2].from: must be a local time HH:MM, e.g. "08:30" (quote it in YAML), got "25:00"' },
  { name: 'demand window', edit: (d) => (d.tariff.demandWindow = 'rolling'), line: 'plant.yaml: tariff.demandWindow: must be one of block, sliding, got "rolling"' },
  { name: 'carbon both forms', edit: (d) => (d.carbon.csv = 'carbon.csv'), line: 'plant.yaml: carbon: must give exactly one of gridKgPerKwh or csv, got {"gridKgPerKwh":0.58,"csv":"carbon.csv"}' },
  { name: 'carbon csv header', edit: (d) => (d.carbon = { csv: 'line2.csv' }), line: 'plant.yaml: carbon.csv: line2.csv line 1: header must be time,kgPerKwh, got "time,powerKw"' },
  { name: 'event unknown site', edit: (d) => (d.events[0].sites = ['plant-9']), line: 'plant.yaml: events[0].sites[0]: must name a site of this scenario, got "plant-9"' },
  { name: 'event past the end', edit: (d) => (d.events[0].start = '2025-07-15T23:00:00+08:00'), line: 'plant.yaml: events[0]: must lie inside the scenario (2025-07-14T16:00:00.000Z to 2025-07-15T16:00:00.000Z), got "2025-07-15T23:00:00+08:00 for 120 min"' },
  { name: 'event type', edit: (d) => (d.events[0].type = 'SHED'), line: 'plant.yaml: events[0].type: must be one of IMPORT_CAPACITY_LIMIT, EXPORT_CAPACITY_LIMIT, got "SHED"' },
  { name: 'duplicate event id', edit: (d) => d.events.push({ ...d.events[0] }), line: 'plant.yaml: events[1].id: must be unique (also events[0]), got "ev-0715"' },
  { name: 'fault unknown asset', edit: (d) => (d.faults[0].asset = 'nope'), line: 'plant.yaml: faults[0].asset: must name an asset (or a site meter) of this scenario, got "nope"' },
  { name: 'fault unknown kind', edit: (d) => (d.faults[0].kind = 'meteorStrike'), line: 'plant.yaml: faults[0].kind: must be one of commLoss, stuckValue, noise, slowResponse, deviceReboot, brokerDisconnect, got "meteorStrike"' },
  { name: 'noise without pct', edit: (d) => (d.faults[0].kind = 'noise'), line: 'plant.yaml: faults[0].pct: is required' },
  { name: 'slow response field', edit: (d) => Object.assign(d.faults[0], { kind: 'slowResponse', delayS: 2 }), line: 'plant.yaml: faults[0].delayS: unknown field (check its spelling and unit suffix)' },
  { name: 'fault before start', edit: (d) => (d.faults[0].at = '2025-07-14T23:00:00+08:00'), line: 'plant.yaml: faults[0].at: must lie inside the scenario, got "2025-07-14T23:00:00+08:00"' },
  { name: 'fault past the end', edit: (d) => (d.faults[0].durationS = 86_400), line: 'plant.yaml: faults[0].durationS: must end by the end of the scenario (at most 32400 s here), got 86400' },
  { name: 'broker fault on modbus', edit: (d) => (d.faults[0].kind = 'brokerDisconnect'), line: 'plant.yaml: faults[0].asset: is served over modbus; only mqtt devices have a broker connection, got "bess"' },
  { name: 'broker fault on asset and site', edit: (d) => Object.assign(d.faults[0], { kind: 'brokerDisconnect', asset: 'ev-1', site: 'plant-1' }), line: 'plant.yaml: faults[0]: brokerDisconnect must name exactly one of asset or site, got {"asset":"ev-1","site":"plant-1"}' },
  { name: 'asset fault without asset', edit: (d) => delete d.faults[0].asset, line: 'plant.yaml: faults[0].asset: is required' },
];

describe('scenario loader: one line per problem, naming field and value', () => {
  it.each(ROWS)('$name', (row) => {
    const lines = problemLines(() => variant(row.edit));
    if (row.line !== undefined) expect(lines).toContain(row.line);
    if (row.contains !== undefined) expect(lines.some((l) => l.startsWith(row.contains ?? ''))).toBe(true);
  });

  it('collects every problem of a file in one error with a stable code', () => {
    let caught: unknown;
    try {
      variant((d) => {
        assets(d)[4]!.capacityKwh = 0;
        d.stepS = 45;
        d.events[0].sites = ['plant-9'];
        d.faults[0].asset = 'nope';
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ScenarioError);
    const e = caught as ScenarioError;
    expect(e.code).toBe(SCENARIO_INVALID);
    expect(e.lines()).toHaveLength(4);
    expect(e.message.split('\n')).toEqual(e.lines());
  });

  it.each([
    ['YAML syntax', 'version: 1\nname: [unclosed\n', /^x\.yaml: line \d+, column \d+: YAML syntax: /],
    ['duplicate key', 'version: 1\nversion: 1\n', /^x\.yaml: line 2, column 1: YAML syntax: Map keys must be unique/],
    ['not a mapping', '- 1\n- 2\n', /^x\.yaml: must be a mapping with version, name, start, \.\.\., got \[1,2\]$/],
  ])('%s', (_name, text, pattern) => {
    const lines = problemLines(() => parseScenario(text, 'x.yaml'));
    expect(lines[0]).toMatch(pattern);
  });
});
