// @eventide/cep: FlinkCEP's pattern language and NFA runtime for @eventide/core streams.

// Compiler and runtime
export { compile } from './compiler/compile';
export type { Action, CompiledNFA, NFAStateNode, StateKind, Transition } from './compiler/graph';
export { type AdvanceResult, type Match, NFA, type NFAState, type PartialMatchView } from './nfa/nfa';
export { SkipStrategyError } from './nfa/skip';
export type { CepInspector, PatternContext, PatternProcessFunction } from './operator/cep-operator';
// Streams
export type {
  DynamicInspector,
  DynamicMatch,
  PatternUpdate,
  RefusedUpdate,
} from './operator/dynamic';
export { CEP, type CepOptions, type DynamicPatternOptions, PatternStream } from './operator/pattern-stream';
export { AfterMatchSkipStrategy, SkipToElementStrategy } from './pattern/after-match';
export type { Condition, ConditionContext } from './pattern/condition';
// Patterns as data
export { type ConditionFactory, ConditionRegistry, expr } from './pattern/condition-data';
export { MalformedPatternError } from './pattern/errors';
export { ExpressionError, expression } from './pattern/expression';
export {
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
  MAX_PATTERN_STAGES,
  MAX_PATTERN_STATES,
  MAX_SPEC_DEPTH,
  MAX_SPEC_SIZE,
} from './pattern/limits';
// Pattern language
export { MAX_TIMES, Pattern, type Stage } from './pattern/pattern';
export type { ConsumingStrategy, Quantifier } from './pattern/quantifier';
export {
  type ConditionSpec,
  ConditionSpecSchema,
  type PatternSpec,
  PatternSpecSchema,
  patternJsonSchema,
  type SkipSpec,
  type StageLink,
  type StageSpec,
  StageSpecSchema,
} from './pattern/spec';
export { WithinType } from './pattern/within';
