export { createMqttAdapter, type MqttAdapterLog, type MqttAdapterOptions } from './adapter.js';
export { mqttBindingProblem } from './problem.js';
export { parseMqttUrl, type MqttBinding } from './binding.js';
export { checkMqttProfile, fillTopic, profileMetrics, type MqttField, type MqttProfile } from './profile.js';
export { decodeTelemetry, getPath, setPath, telemetryDecoder, toCanonical, toDevice, type DecodedTelemetry, type TelemetryDecoder } from './payload.js';
