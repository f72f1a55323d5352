export { MODBUS_EXCEPTION, ModbusException, type RegisterBank } from './exception.js';
export { startModbusTcpServer, type ModbusTcpServer, type ModbusTcpServerOptions } from './server.js';
