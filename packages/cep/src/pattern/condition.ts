/** What a condition can ask about the partial match it would extend. */
export interface ConditionContext<T> {
  /** The events already taken by stage `name` in this partial match, oldest first. */
  eventsForPattern(name: string): readonly T[];
  /** The timestamp of the event being tested. */
  readonly timestamp: number;
}

/** A condition on an event; iterative when it reads `ctx.eventsForPattern`. */
export type Condition<T> = (event: T, ctx: ConditionContext<T>) => boolean;

/** Combinators used by `where`/`or`/`until` and by the compiler. Pure and allocation-free when called. */
export const Conditions = {
  and<T>(a: Condition<T>, b: Condition<T>): Condition<T> {
    return (e, ctx) => a(e, ctx) && b(e, ctx);
  },
  or<T>(a: Condition<T>, b: Condition<T>): Condition<T> {
    return (e, ctx) => a(e, ctx) || b(e, ctx);
  },
  not<T>(a: Condition<T>): Condition<T> {
    return (e, ctx) => !a(e, ctx);
  },
  always<T>(): Condition<T> {
    return ALWAYS as Condition<T>;
  },
};

const ALWAYS: Condition<unknown> = () => true;
