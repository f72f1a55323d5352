export {
  OPENADR_KINDS,
  SERVER_FILLED_FIELDS,
  addOpenAdrSchemas,
  formatAjvError,
  openAdrComponentId,
  openAdrReturnedSchemaIds,
  openAdrSchemaIds,
  openAdrSerializerCompiler,
  openAdrValidatorCompiler,
  usefulErrors,
  validateOpenAdr,
  type OpenAdrKind,
} from './schemas.js';
export { openAdrJsonSchemas } from './load.js';
export type { JsonSchema, JsonValue } from './convert.js';
