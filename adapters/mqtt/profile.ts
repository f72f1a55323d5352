import Type from 'typebox';
import { Value } from 'typebox/value';
import { VppError } from '../../src/domain/errors.js';
import { METRICS, type Metric } from '../../src/domain/telemetry.js';

const Path = Type.String({ pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$' });
const Template = Type.String({ minLength: 1, pattern: '^[^+#]*$' });
/** A device number to canonical: canonical = device × scale × sign (both directions). */
const Field = Type.Object(
  {
    path: Path,
    scale: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    sign: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(-1)])),
  },
  { additionalProperties: false },
);

const MqttSection = Type.Object(
  {
    telemetry: Type.Object(
      {
        topic: Template,
        time: Type.Optional(
          Type.Object(
            {
              path: Path,
              /** A device time further than this from arrival is a wrong clock: stamp on arrival. Default 300. */
              maxSkewS: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
            },
            { additionalProperties: false },
          ),
        ),
        fields: Type.Object(Object.fromEntries(METRICS.map((m) => [m, Type.Optional(Field)])) as Record<Metric, Type.TOptional<typeof Field>>, {
          additionalProperties: false,
          minProperties: 1,
        }),
      },
      { additionalProperties: false },
    ),
    silenceS: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    status: Type.Optional(
      Type.Object({ topic: Template, online: Type.String({ minLength: 1 }), offline: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    ),
    gateways: Type.Optional(
      Type.Object(
        {
          status: Type.String({ pattern: '\\{gateway\\}' }),
          devices: Type.String({ pattern: '\\{gateway\\}' }),
          member: Type.String({ minLength: 1 }),
          online: Type.String({ minLength: 1 }),
          offline: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    command: Type.Optional(
      Type.Object(
        {
          topic: Template,
          id: Path,
          power: Field,
          revert: Type.Optional(Type.Object({ path: Path }, { additionalProperties: false })),
          ack: Type.Object(
            {
              topic: Template,
              id: Path,
              ok: Path,
              error: Type.Optional(Path),
              timeoutS: Type.Number({ exclusiveMinimum: 0 }),
            },
            { additionalProperties: false },
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type MqttProfile = Type.Static<typeof MqttSection>;
export type MqttField = Type.Static<typeof Field>;

/** Checks a profile's `mqtt:` section; errors name the file and the field. */
/** Sections already checked (loadProfile hands every adapter the same frozen body). */
const checked = new WeakSet<object>();

export function checkMqttProfile(file: string, body: unknown): MqttProfile {
  if (typeof body === 'object' && body !== null && checked.has(body)) return body as MqttProfile;
  const problems = [...Value.Errors(MqttSection, body)].map(
    (e) => `${file}: mqtt${e.instancePath.replace(/\//g, '.')}: ${e.message}${e.instancePath === '' ? '' : `, got ${JSON.stringify(Value.Pointer.Get(body, e.instancePath))}`}`,
  );
  if (problems.length > 0) throw new VppError('PROFILE_INVALID', problems.join('\n'));
  if (typeof body === 'object' && body !== null && Object.isFrozen(body)) checked.add(body);
  return body as MqttProfile;
}

/** The metrics a profile maps, in the canonical order. */
export function profileMetrics(p: MqttProfile): Metric[] {
  return METRICS.filter((m) => p.telemetry.fields[m] !== undefined);
}

/** Fills `{prefix}`, `{site}`, `{asset}` (and `{gateway}` when given) into a topic template. */
export function fillTopic(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, name: string) => vars[name] ?? whole);
}
