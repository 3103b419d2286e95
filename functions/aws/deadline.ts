/**
 * A delivery's deadline, and the scope that binds it to every AWS call made on the delivery's
 * behalf. The HTTP handler of each SDK client (clients.ts) reads the deadline of the code that
 * called it from an AsyncLocalStorage, so a call is aborted when its delivery's time runs out
 * however deep it is made: in the registry's cache, the data-key cache, the queue sender or an
 * adapter added later. Passing a signal through every port instead would leave each new
 * adapter one forgotten parameter away from an unbounded wait.
 *
 * A load that several requests share (a provider's configuration, a data key) carries the
 * deadline of the request that started it; a request that joins it may see it aborted early,
 * and answers 503 as it would have at its own deadline.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DeadlineExceededError } from './errors.ts';

const scope = new AsyncLocalStorage<AbortSignal>();

/** The signal of the deadline the calling code runs under; `undefined` outside any. */
export function currentDeadlineSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/**
 * A budget that starts when it is created. Its signal aborts with a DeadlineExceededError as
 * the reason, which the SDK keeps as the cause of the AbortError it throws.
 * @example
 * const answer = await withDeadline(deliveryBudgetMs, (deadline) => deliver(attempt, deadline));
 */
export class Deadline {
  readonly budgetMs: number;
  readonly #controller = new AbortController();
  /** On the monotonic clock: a test that moves `Date.now` does not move a deadline. */
  readonly #endsAtMs: number;
  readonly #timer: NodeJS.Timeout;

  constructor(budgetMs: number) {
    this.budgetMs = budgetMs;
    this.#endsAtMs = performance.now() + budgetMs;
    this.#timer = setTimeout(() => this.#expire(), budgetMs);
    // A timer must not keep a local process (the gateway, a test) alive on its own.
    this.#timer.unref();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once the budget is spent, even if a busy event loop has not yet run the timer. */
  get expired(): boolean {
    return this.signal.aborted || this.remainingMs === 0;
  }

  get remainingMs(): number {
    return Math.max(0, this.#endsAtMs - performance.now());
  }

  /** Runs `work` with every SDK call it makes bounded by this deadline. */
  run<Result>(work: () => Promise<Result>): Promise<Result> {
    return scope.run(this.signal, work);
  }

  /**
   * Runs `work` under what is left of this deadline, but never less than `minimumMs`: for the
   * steps that settle what was begun (the confirm of a message already sent, a release, the
   * `failed` record), which get their one attempt even when the work before spent the budget.
   */
  settle<Result>(minimumMs: number, work: () => Promise<Result>): Promise<Result> {
    return withDeadline(Math.max(this.remainingMs, minimumMs), work);
  }

  /** Stops the timer once the work is done; a call still holding the signal keeps its own timeouts. */
  dispose(): void {
    clearTimeout(this.#timer);
  }

  /** The error a step that finds the budget spent throws. */
  exceeded(): DeadlineExceededError {
    return new DeadlineExceededError(this.budgetMs);
  }

  #expire(): void {
    this.#controller.abort(this.exceeded());
  }
}

/** Runs `work` under a new deadline of `budgetMs`, and stops its timer once `work` settles. */
export async function withDeadline<Result>(
  budgetMs: number,
  work: (deadline: Deadline) => Promise<Result>,
): Promise<Result> {
  const deadline = new Deadline(budgetMs);
  try {
    return await deadline.run(() => work(deadline));
  } finally {
    deadline.dispose();
  }
}
