import { parentPort } from 'node:worker_threads';
import { VppError } from '../domain/index.js';
import { planSchedule, type Plan, type PlanInput } from '../schedule/index.js';

/**
 * The live planner's solver thread (see planner-worker-client.ts): plans arrive as plain data,
 * are solved with HiGHS here, off the control loop's thread, and go back as plain data. Loaded
 * through planner-worker.mjs, which registers tsx first (a worker does not inherit the loader).
 */

export interface SolveRequest {
  readonly id: number;
  readonly input: PlanInput;
}

export type SolveReply =
  | { readonly id: number; readonly ok: true; readonly plan: Plan }
  | { readonly id: number; readonly ok: false; readonly code: string | null; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('src/runtime/planner-worker.ts runs as a worker thread (new Worker), not as a module');

port.on('message', (req: SolveRequest) => {
  planSchedule(req.input).then(
    (plan) => port.postMessage({ id: req.id, ok: true, plan } satisfies SolveReply),
    (err: unknown) => {
      const code = err instanceof VppError ? err.code : null;
      port.postMessage({ id: req.id, ok: false, code, message: err instanceof Error ? err.message : String(err) } satisfies SolveReply);
    },
  );
});
