import type { Asset, Enrolment, Site } from '../domain/index.js';
import { invalid } from './validate.js';

/**
 * The site as the controller must see it while the programme's events are in force: each
 * enrolled battery's SoC floor raised to the enrolment's socFloorPct, each HVAC unit's comfort
 * band narrowed to the enrolment's, each EV charger's departure and energy set from the
 * enrolment, so the controller's own safety guards (run before DR obligations) keep them. A
 * limit only ever tightens the site's own. Throws EVENTS_INVALID when the enrolment names
 * another site or an asset the site does not have.
 */
export function enrolledSite(site: Site, enrolment: Enrolment): Site {
  if (enrolment.siteId !== site.id) throw invalid('enrolment.siteId', `must be the site's id (${site.id})`, enrolment.siteId);
  const ids = new Set(site.assets.map((a) => a.id));
  for (const id of enrolment.assetIds) if (!ids.has(id)) throw invalid('enrolment.assetIds', `must name assets of site ${site.id}`, id);
  const L = enrolment.limits;
  const assets = site.assets.map((a): Asset => {
    if (a.kind === 'battery') {
      const floor = L.socFloorPct?.[a.id];
      return floor === undefined ? a : { ...a, minSocPct: Math.max(a.minSocPct, floor) };
    }
    if (a.kind === 'hvac') {
      const band = L.comfortBandC?.[a.id];
      return band === undefined ? a : { ...a, comfortBandC: Math.min(a.comfortBandC, band) };
    }
    if (a.kind === 'evCharger') {
      const need = L.evDepartures?.[a.id];
      return need === undefined ? a : {
        ...a,
        departs: a.departs === undefined || need.departs < a.departs ? need.departs : a.departs,
        energyNeededKwh: Math.max(a.energyNeededKwh ?? 0, need.energyNeededKwh),
      };
    }
    return a;
  });
  return { ...site, assets };
}
