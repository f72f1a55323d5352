export {
  startMqttSimulator,
  type MqttSimulator,
  type MqttSimulatorOptions,
  type MqttSimulatorStats,
} from './simulator.js';
export { startInProcessBroker, type InProcessBroker } from './broker.js';
export { deviceTopics, gatewayStatusTopic, gatewayDevicesTopic, type DeviceTopics } from './topics.js';
