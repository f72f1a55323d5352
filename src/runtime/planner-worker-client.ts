import { Worker } from 'node:worker_threads';
import { VppError } from '../domain/index.js';
import { planSchedule, SCHEDULE_INVALID_INPUT, type Plan, type PlanInput } from '../schedule/index.js';
import type { Logger } from './logger.js';
import type { SolveReply, SolveRequest } from './planner-worker.js';

/** Solves plan LPs for the live planner. */
export interface PlanSolver {
  solve(input: PlanInput): Promise<Plan>;
  /** Ends the solver (a solve still in flight is rejected). */
  close(): Promise<void>;
}

/**
 * On the calling thread: what `vpp replay` does (simulated clock, nothing else to keep
 * running), and the "before" of the bench's control-loop lateness figure.
 */
export const inProcessSolver: PlanSolver = { solve: planSchedule, close: async () => {} };

export interface WorkerSolverOptions {
  readonly log?: Pick<Logger, 'warn'>;
  /** A solve that takes longer is failed and its worker replaced; default 120 s. */
  readonly timeoutMs?: number;
}

interface Job {
  readonly resolve: (plan: Plan) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Thread {
  readonly worker: Worker;
  readonly jobs: Map<number, Job>;
  /** Takes no new work; terminated once its jobs are answered. */
  retired: boolean;
}

const ENTRY = new URL('./planner-worker.mjs', import.meta.url);

/** Failures that say nothing about the worker's health: it keeps serving. */
const HEALTHY_FAILURES = new Set<string>([SCHEDULE_INVALID_INPUT]);

/**
 * The live planner's solver (issue 7): HiGHS runs in one worker thread, reused for every plan,
 * because a solve blocks its thread for tens to hundreds of milliseconds (seconds under load)
 * and the control loop's 1 s tick shares the main thread with it. Inputs and plans cross as
 * plain data. A worker that crashes, exits, times out or reports a solver failure (HiGHS may be
 * left unusable by a native abort) is replaced by a fresh one on the next solve; the failed
 * solve is rejected so the planner keeps its last plan and retries later. An idle worker does
 * not keep the process alive.
 */
export function createWorkerSolver(o: WorkerSolverOptions = {}): PlanSolver {
  const timeoutMs = o.timeoutMs ?? 120_000;
  const threads = new Set<Thread>();
  let current: Thread | undefined;
  let nextId = 1;
  let closed = false;

  const settleRef = (t: Thread) => {
    if (t.jobs.size > 0) t.worker.ref();
    else if (t.retired) {
      threads.delete(t);
      void t.worker.terminate();
    } else t.worker.unref();
  };

  /** The thread is gone or unusable: every job on it fails, and it takes no more. */
  const fail = (t: Thread, err: Error) => {
    if (!t.retired) o.log?.warn({ err: err.message }, 'planner worker failed; a new one starts with the next plan');
    t.retired = true;
    if (current === t) current = undefined;
    for (const job of t.jobs.values()) {
      clearTimeout(job.timer);
      job.reject(err);
    }
    t.jobs.clear();
    settleRef(t);
  };

  const spawn = (): Thread => {
    // execArgv: none of the parent's (tsx's own flags do not work in a worker; the entry registers it).
    const worker = new Worker(ENTRY, { execArgv: [] });
    const t: Thread = { worker, jobs: new Map(), retired: false };
    worker.on('message', (reply: SolveReply) => {
      const job = t.jobs.get(reply.id);
      if (job === undefined) return;
      t.jobs.delete(reply.id);
      clearTimeout(job.timer);
      if (reply.ok) job.resolve(reply.plan);
      else {
        job.reject(new VppError(reply.code ?? 'PLANNER_WORKER_FAILED', reply.message));
        if (!t.retired && (reply.code === null || !HEALTHY_FAILURES.has(reply.code))) {
          o.log?.warn({ err: reply.message }, 'planner worker replaced after a failed solve');
          if (current === t) current = undefined;
          t.retired = true;
        }
      }
      settleRef(t);
    });
    worker.on('error', (err) => fail(t, new VppError('PLANNER_WORKER_FAILED', `planner worker: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => {
      threads.delete(t);
      if (t.jobs.size > 0) fail(t, new VppError('PLANNER_WORKER_FAILED', `planner worker exited with code ${code} while solving`));
    });
    threads.add(t);
    return t;
  };

  return {
    solve(input) {
      if (closed) return Promise.reject(new VppError('PLANNER_WORKER_CLOSED', 'planner worker: the solver is closed'));
      const t = current !== undefined && !current.retired ? current : (current = spawn());
      const id = nextId++;
      return new Promise<Plan>((resolve, reject) => {
        const timer = setTimeout(() => fail(t, new VppError('PLANNER_WORKER_TIMEOUT', `planner worker: no plan after ${timeoutMs} ms; worker replaced`)), timeoutMs);
        timer.unref();
        t.jobs.set(id, { resolve, reject, timer });
        t.worker.ref();
        t.worker.postMessage({ id, input } satisfies SolveRequest);
      });
    },
    async close() {
      closed = true;
      const all = [...threads];
      for (const t of all) {
        t.retired = true; // closing is no failure to log
        fail(t, new VppError('PLANNER_WORKER_CLOSED', 'planner worker: the solver is closed'));
      }
      await Promise.all(all.map((t) => t.worker.terminate()));
      threads.clear();
    },
  };
}
