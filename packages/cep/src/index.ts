// @eventide/cep: FlinkCEP's pattern language and NFA runtime for @eventide/core streams.

// Compiler and runtime
export { compile } from './compiler/compile';
export type { Action, CompiledNFA, NFAStateNode, StateKind, Transition } from './compiler/graph';
export { type AdvanceResult, type Match, NFA, type NFAState, type PartialMatchView } from './nfa/nfa';
export { SkipStrategyError } from './nfa/skip';
export type { PatternContext, PatternProcessFunction } from './operator/cep-operator';
// Streams
export { CEP, type CepOptions, PatternStream } from './operator/pattern-stream';
export { AfterMatchSkipStrategy, SkipToElementStrategy } from './pattern/after-match';
export type { Condition, ConditionContext } from './pattern/condition';
export { MalformedPatternError } from './pattern/errors';
// Pattern language
export { Pattern, type Stage } from './pattern/pattern';
export type { ConsumingStrategy, Quantifier } from './pattern/quantifier';
export { WithinType } from './pattern/within';
