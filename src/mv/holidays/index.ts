import type { CalendarSpec } from '../calendar.js';
import { CN_2025 } from './cn-2025.js';
import { CN_2026 } from './cn-2026.js';

export { CN_2025 } from './cn-2025.js';
export { CN_2026 } from './cn-2026.js';

/**
 * Mainland China's national calendar for 2025-2026 (State Council notices, see cn-*.ts) in the
 * given zone. Provinces add local days (e.g. ethnic festivals) through their own spec.
 */
export function chinaCalendarSpec(timezone = 'Asia/Shanghai'): CalendarSpec {
  return {
    timezone,
    holidays: [...CN_2025.holidays, ...CN_2026.holidays],
    workdays: [...CN_2025.workdays, ...CN_2026.workdays],
    weekend: [6, 0],
  };
}
