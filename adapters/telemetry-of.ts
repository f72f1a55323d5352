// The one definition lives beside reading() in the domain.
export { telemetryOf } from '../src/domain/telemetry.js';
