/**
 * A match: each stage name mapped to the events it took, oldest first, stages in pattern order.
 * It has no prototype (`Object.create(null)`), so any stage name is an ordinary key.
 */
export type Match<T> = Readonly<Record<string, readonly T[]>>;
