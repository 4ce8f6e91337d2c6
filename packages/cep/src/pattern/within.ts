/**
 * What `within` measures (Flink ≥ 1.17's `WithinType`): from the first to the last event of a
 * match, or between each event and the one before it.
 */
export const WithinType = {
  FIRST_AND_LAST: 'FIRST_AND_LAST',
  PREVIOUS_AND_CURRENT: 'PREVIOUS_AND_CURRENT',
} as const;
export type WithinType = (typeof WithinType)[keyof typeof WithinType];
