// @eventide/cep: FlinkCEP's pattern language and NFA runtime for @eventide/core streams.

// Pattern language
export { Pattern, type Stage } from './pattern/pattern';
export type { Condition, ConditionContext } from './pattern/condition';
export { MalformedPatternError } from './pattern/errors';
export { WithinType } from './pattern/within';
export type { ConsumingStrategy, Quantifier } from './pattern/quantifier';
export { AfterMatchSkipStrategy, SkipToElementStrategy } from './nfa/aftermatch/strategy';

// Compiler and runtime
export { compile } from './compiler/compile';
export type { CompiledNFA, NFAStateNode, StateKind, Transition, Action } from './compiler/graph';
export { type AdvanceResult, type Match, NFA, type NFAState } from './nfa/nfa';

// Streams
export { CEP, type CepOptions, PatternStream } from './operator/pattern-stream';
export type { PatternContext, PatternProcessFunction } from './operator/cep-operator';
