import type { EventId } from '../buffer/event-id';
import type { NFAStateNode, Transition } from '../compiler/graph';
import { LazyContext } from './context';
import type { ComputationState } from './state';

/**
 * Working memory of one `NFA.process` / `advanceTime` call, reused across calls so the hot path
 * allocates nothing: the event being processed, the branch's open edges, walk stacks and the
 * states it moves to. Nothing in it outlives a call; the NFA's state is all in `NFAState`.
 */
export class Scratch<T> {
  /** The event being processed; its buffer id once a branch takes it. */
  eventId: EventId | undefined = undefined;
  eventValue: T = undefined as T;
  eventTs = 0;
  /** The branch reached a STOP state (a negation matched): all it produced but matches is discarded. */
  stopped = false;
  /** The states one branch moves to on the current event, and how many. */
  readonly next: ComputationState<T>[] = [];
  produced = 0;
  /** The open edges of the current branch (source state, transition) as parallel arrays. */
  readonly edgeSources: NFAStateNode<T>[] = [];
  readonly edgeTransitions: Transition<T>[] = [];
  edges = 0;
  takes = 0;
  ignores = 0;
  readonly stack: NFAStateNode<T>[] = [];
  readonly proceedStack: NFAStateNode<T>[] = [];
  readonly ctx = new LazyContext<T>();

  begin(value: T, ts: number): void {
    this.eventId = undefined;
    this.eventValue = value;
    this.eventTs = ts;
  }
}
