// @eventide/core/operator: what authors of custom operators (`DataStream.transform`) need, such as
// @eventide/cep. Applications use the root entry.

export { decodeTime, encodeTime, expectShape } from './internal/codec';
export { NumberHeap } from './internal/heap';
export { checkKey, type KeySerializer, NO_KEY } from './internal/keys';
export { Operator, type OperatorInit } from './internal/operator';
export type { Output } from './internal/output';
export { TimerQueue } from './state/timer-queue';
export { type InputTime, mergeWatermarks } from './time/watermark-merge';
