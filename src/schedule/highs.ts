import highsImport, { type Highs, type ModelData } from 'highs';
import { VppError } from '../domain/index.js';
import type { LpData } from './lp-model.js';

export interface LpSolution {
  readonly colValue: Float64Array;
  readonly objective: number;
}

// highs types itself as CommonJS (under NodeNext the default import is module.exports) while
// Node loads its ESM build, whose default export is the loader itself: accept either.
type HighsLoader = typeof highsImport.default;
const highsLoader: HighsLoader = typeof highsImport === 'function' ? (highsImport as HighsLoader) : highsImport.default;

let loading: Promise<Highs> | undefined;

/**
 * Compiling the WASM module takes ~100 ms; every model gets its own native instance (and is
 * disposed after), so one module serves every plan of the process.
 */
function highs(): Promise<Highs> {
  if (loading === undefined) {
    loading = highsLoader().catch((err: unknown) => {
      loading = undefined; // let the next plan retry instead of caching a failure
      throw new VppError('SCHEDULE_SOLVER_UNAVAILABLE', `schedule: loading the HiGHS WASM module failed: ${String(err)}`, { cause: err });
    });
  }
  return loading;
}

function modelData(solver: Highs, data: LpData): ModelData {
  return { ...data, sense: solver.constants.objectiveSense.minimize };
}

/**
 * Solves the LP with HiGHS. Anything but an optimal solution is an error: the planner's model
 * is built to be always feasible (limits are soft), so another status means a bug or bad input.
 */
export async function solveLp(data: LpData): Promise<LpSolution> {
  const solver = await highs();
  try {
    return solver.withModel(modelData(solver, data), (model) => {
      model.options.set({ output_flag: false });
      const { modelStatus } = model.run();
      if (modelStatus !== solver.constants.modelStatus.optimal) {
        throw new VppError('SCHEDULE_SOLVER_FAILED', `schedule: HiGHS model status must be optimal (7), got ${modelStatus}`);
      }
      return { colValue: model.getSolution().colValue, objective: model.getObjectiveValue() };
    });
  } catch (err) {
    if (err instanceof VppError) throw err;
    loading = undefined; // a native abort can leave the module unusable: reload it next time
    throw new VppError('SCHEDULE_SOLVER_FAILED', `schedule: HiGHS failed on the plan LP: ${String(err)}`, { cause: err });
  }
}

/** The LP as CPLEX-LP text, as HiGHS writes it (for inspection; data should carry names). */
export async function lpText(data: LpData): Promise<string> {
  const solver = await highs();
  return solver.withModel(modelData(solver, data), (model) => model.exportModel('lp'));
}
