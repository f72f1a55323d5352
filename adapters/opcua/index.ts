
export { createOpcuaAdapter, type OpcuaAdapterOptions } from './adapter.js';
export { parseOpcuaBinding, type OpcuaBinding, type OpcuaSecurityMode } from './binding.js';
export { parseOpcuaSection, expandTemplate, type OpcuaNodeRef, type OpcuaSection, type OpcuaSetpointRef, type OpcuaWriteType } from './profile.js';
export {
  listServerCertificates,
  trustServerCertificate,
  rejectServerCertificate,
  certificateThumbprint,
  opcuaPkiDir,
  type ServerCertificateInfo,
} from './certs.js';

export { opcuaBindingProblem } from './problem.js';
export { createLazyOpcuaAdapter } from './lazy.js';
