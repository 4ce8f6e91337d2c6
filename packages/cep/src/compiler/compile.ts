import type { AfterMatchSkipStrategy } from '../pattern/after-match';
import { type Condition, Conditions } from '../pattern/condition';
import { specOf, stagesRead } from '../pattern/condition-data';
import { MalformedPatternError } from '../pattern/errors';
import { checkPositions, iterationsOf } from '../pattern/limits';
import type { Pattern, Stage } from '../pattern/pattern';
import type { ConsumingStrategy } from '../pattern/quantifier';
import {
  type CompiledNFA,
  GraphBuilder,
  type MutableState,
  type NFAStateNode,
  type SequenceShape,
} from './graph';

/**
 * Compiles a pattern into an NFA with FlinkCEP's semantics. The walk goes from the last stage to
 * the first, each stage becoming a fragment of states wired to the fragment after it:
 * - a single stage: TAKE to the next fragment, IGNORE to itself (relaxed contiguity), PROCEED
 *   past it when optional;
 * - times(from, to): a chain of single states, the optional tail ones with PROCEED edges;
 * - a looping stage: a state that TAKEs into itself and PROCEEDs to the next fragment;
 * - greedy: the next fragment's edges are narrowed to events the greedy stage cannot take (so it
 *   keeps taking while it can); with `until`, a copy of the unnarrowed fragment is entered once
 *   the until condition holds;
 * - notNext / a middle notFollowedBy: PROCEED edges into shared STOP states that kill the branch;
 *   a trailing notFollowedBy: a PENDING state that becomes a match when the window closes;
 * - a group: its inner pattern compiled in place, with the group's quantifier around it.
 */
export function compile<T>(
  pattern: Pattern<T, any>,
  options: { skipStrategy?: AfterMatchSkipStrategy } = {},
): CompiledNFA<T> {
  const skipStrategy = options.skipStrategy ?? pattern.skipStrategy;
  // before any state is made; the builder also stops at MAX_PATTERN_STATES (some shapes copy states)
  checkPositions(positionsOf(pattern.stages), 'compile');
  validate(pattern, skipStrategy);
  const g = new GraphBuilder<T>('compile');
  const windowTime = minWindow(pattern.stages);
  const end = g.state('$endState$', 'final');
  const top: Walk<T> = {
    stages: pattern.stages,
    i: pattern.stages.length - 1,
    group: undefined,
    following: undefined,
  };
  const middle = middleStates(g, top, end, windowTime);
  const first = convertStage(g, { ...top, i: 0, following: pattern.stages[1] }, middle);
  first.kind = 'start';
  const gapWindows = new Map<string, number>();
  collectGapWindows(pattern.stages, gapWindows);
  for (const s of g.states) Object.freeze(s.transitions);
  const sequence = sequenceShape(pattern.stages, gapWindows);
  return Object.freeze({
    states: Object.freeze(g.states.map((s) => Object.freeze(s) as NFAStateNode<T>)),
    start: first as NFAStateNode<T>,
    windowTime,
    gapWindows,
    skipStrategy,
    stageNames: Object.freeze(pattern.stages.map((s) => s.name)),
    ...(sequence === undefined ? {} : { sequence }),
  });
}

/** Where the walk is: a stage list (top level or a group's), the stage index, the group around it. */
interface Walk<T> {
  readonly stages: readonly Stage<T>[];
  readonly i: number;
  readonly group: { readonly stage: Stage<T>; readonly firstOfLoop: boolean } | undefined;
  /** The stage after the current one, looking across group boundaries. */
  readonly following: Stage<T> | undefined;
}

const stageOf = <T>(w: Walk<T>): Stage<T> => w.stages[w.i]!;

function middleStates<T>(
  g: GraphBuilder<T>,
  w: Walk<T>,
  sink: MutableState<T>,
  windowTime: number,
): MutableState<T> {
  let lastSink = sink;
  let following = w.following;
  for (let i = w.stages.length - 1; i > 0; i--) {
    const here: Walk<T> = { ...w, i, following };
    const stage = w.stages[i]!;
    const consuming = stage.quantifier.consuming;
    if (consuming === 'notFollow') {
      // A middle notFollowedBy becomes STOP edges on the states after it; a trailing one waits.
      if (lastSink.kind === 'final' && (stage.gapWindow !== undefined || windowTime > 0)) {
        const not = takeCondition(here, stage);
        const pending = g.state(stage.name, 'pending');
        g.add(pending, 'proceed', g.stop(not, stage.name), not);
        g.add(pending, 'ignore', pending, Conditions.not(not));
        lastSink = pending;
      }
    } else if (consuming === 'notNext') {
      const not = takeCondition(here, stage);
      const notNext = g.state(stage.name, 'normal');
      // into the final state by IGNORE, so the event after the last stage is checked, not taken
      g.add(notNext, lastSink.kind === 'final' ? 'ignore' : 'proceed', lastSink, Conditions.not(not));
      g.add(notNext, 'proceed', g.stop(not, stage.name), not);
      lastSink = notNext;
    } else {
      lastSink = convertStage(g, here, lastSink);
    }
    following = stage;
  }
  return lastSink;
}

function convertStage<T>(g: GraphBuilder<T>, w: Walk<T>, sink: MutableState<T>): MutableState<T> {
  const stage = stageOf(w);
  const q = stage.quantifier;
  let state: MutableState<T>;
  if (q.multiplicity === 'looping') {
    const looping = createLooping(g, w, copyWithoutTransitiveNots(g, w, sink));
    state = createTimes(g, w, looping, sink, q.from, q.to);
  } else if (q.multiplicity === 'times') {
    state = createTimes(g, w, sink, sink, q.from, q.to);
  } else {
    state = createSingleton(
      g,
      w,
      sink,
      sink,
      takeCondition(w, stage),
      ignoreCondition(w, true),
      isOptional(w, true),
    );
  }
  addStopStates(g, w, state);
  return state;
}

function createTimes<T>(
  g: GraphBuilder<T>,
  w: Walk<T>,
  sink: MutableState<T>,
  proceed: MutableState<T>,
  from: number,
  to: number,
): MutableState<T> {
  const stage = stageOf(w);
  const innerIgnore = withUntil(innerIgnoreCondition(w), stage.until, false);
  const take = withUntil(takeCondition(w, stage), stage.until, true)!;
  if (stage.quantifier.greedy && from !== to) {
    if (stage.until !== undefined) g.originals.set(sink.id, copyState(g, sink));
    narrowToWhatCannotBeTaken(sink, take);
  }
  let last = sink;
  for (let i = from; i < to; i++) {
    last = createSingleton(g, w, last, proceed, take, innerIgnore, true, false);
    addStopStateToLooping(g, w, last);
  }
  for (let i = 0; i < from - 1; i++) {
    last = createSingleton(g, w, last, undefined, take, innerIgnore, false, false);
    addStopStateToLooping(g, w, last);
  }
  // the head of the chain: entered from the previous stage, with that contiguity
  return createSingleton(
    g,
    w,
    last,
    proceed,
    take,
    ignoreCondition(w, true),
    stage.quantifier.optional,
    true,
  );
}

function createSingleton<T>(
  g: GraphBuilder<T>,
  w: Walk<T>,
  sink: MutableState<T>,
  proceed: MutableState<T> | undefined,
  take: Condition<T>,
  ignore: Condition<T> | undefined,
  optional: boolean,
  firstOfLoop = true,
): MutableState<T> {
  const stage = stageOf(w);
  if (stage.group) return createGroup(g, w, sink, proceed, optional, firstOfLoop);
  const state = g.state(stage.name, 'normal', stage.quantifier.greedy);
  // taking an event here ends any negation that guarded an optional path before it
  const target = copyWithoutTransitiveNots(g, w, sink);
  g.add(state, 'take', target, take);
  const proceedCondition = trueCondition(w);
  // The first stage of a group may be optional itself (FlinkCEP's "a (b? c) d"): then the
  // group may start at its next stage.
  if (headOfGroup(w) && stage.quantifier.optional && stage.quantifier.multiplicity === 'single') {
    g.add(state, 'proceed', target, proceedCondition);
  }
  if (optional && !headOfGroup(w)) {
    const until = stage.until;
    if (stage.quantifier.greedy && until !== undefined) {
      // once the loop has to stop, what follows may take the event after all
      g.add(
        state,
        'proceed',
        g.originals.get(proceed!.id) ?? proceed!,
        Conditions.and(proceedCondition, until),
      );
      g.add(state, 'proceed', proceed!, Conditions.and(proceedCondition, Conditions.not(until)));
    } else {
      g.add(state, 'proceed', proceed!, proceedCondition);
    }
  }
  if (ignore !== undefined) {
    let ignoreState = state;
    if (optional) {
      // once the optional stage skips an event, it may no longer PROCEED past itself
      ignoreState = g.state(stage.name, 'normal', stage.quantifier.greedy);
      g.add(ignoreState, 'take', target, take);
      g.add(ignoreState, 'ignore', ignoreState, ignore);
      addStopStates(g, w, ignoreState);
    }
    g.add(state, 'ignore', ignoreState, ignore);
  }
  return state;
}

function createGroup<T>(
  g: GraphBuilder<T>,
  w: Walk<T>,
  sink: MutableState<T>,
  proceed: MutableState<T> | undefined,
  optional: boolean,
  firstOfLoop: boolean,
): MutableState<T> {
  const stage = stageOf(w);
  const proceedCondition = trueCondition(w);
  const inner = innerWalk(w, stage, firstOfLoop);
  const middle = middleStates(g, inner, sink, 0);
  const head = convertStage(g, { ...inner, i: 0, following: inner.stages[1] ?? inner.following }, middle);
  if (optional) g.add(head, 'proceed', proceed!, proceedCondition);
  return head;
}

function createLoopingGroup<T>(g: GraphBuilder<T>, w: Walk<T>, sink: MutableState<T>): MutableState<T> {
  const stage = stageOf(w);
  const proceedCondition = trueCondition(w);
  const loopBack = g.state(stage.name, 'normal', stage.quantifier.greedy);
  const inner = innerWalk(w, stage, false);
  const middle = middleStates(g, inner, loopBack, 0);
  const head = convertStage(g, { ...inner, i: 0, following: inner.stages[1] ?? inner.following }, middle);
  g.add(head, 'proceed', sink, proceedCondition);
  g.add(loopBack, 'proceed', head, proceedCondition);
  return head;
}

function createLooping<T>(g: GraphBuilder<T>, w: Walk<T>, sink: MutableState<T>): MutableState<T> {
  const stage = stageOf(w);
  if (stage.group) return createLoopingGroup(g, w, sink);
  const until = stage.until;
  const ignore = withUntil(innerIgnoreCondition(w), until, false);
  const take = withUntil(takeCondition(w, stage), until, true)!;
  const proceedCondition = trueCondition(w);
  const looping = g.state(stage.name, 'normal', stage.quantifier.greedy);
  if (stage.quantifier.greedy) {
    if (until !== undefined) {
      const original = copyState(g, sink);
      g.add(looping, 'proceed', original, Conditions.and(proceedCondition, until));
      g.originals.set(sink.id, original);
    }
    g.add(
      looping,
      'proceed',
      sink,
      until !== undefined ? Conditions.and(proceedCondition, Conditions.not(until)) : proceedCondition,
    );
    narrowToWhatCannotBeTaken(sink, takeCondition(w, stage));
  } else {
    g.add(looping, 'proceed', sink, proceedCondition);
  }
  g.add(looping, 'take', looping, take);
  addStopStateToLooping(g, w, looping);
  if (ignore !== undefined) {
    const ignoreState = g.state(stage.name, 'normal', stage.quantifier.greedy);
    g.add(ignoreState, 'take', looping, take);
    g.add(ignoreState, 'ignore', ignoreState, ignore);
    g.add(looping, 'ignore', ignoreState, ignore);
    addStopStateToLooping(g, w, ignoreState);
  }
  return looping;
}

/** Greedy: what follows a greedy stage may only act on events that stage cannot take. */
function narrowToWhatCannotBeTaken<T>(state: MutableState<T>, take: Condition<T>): void {
  const notTake = Conditions.not(take);
  for (let i = 0; i < state.transitions.length; i++) {
    const t = state.transitions[i]!;
    state.transitions[i] = {
      ...t,
      condition: t.condition === undefined ? notTake : Conditions.and(t.condition, notTake),
    };
  }
}

/** A copy of a state with the same transitions (a self-loop loops on the copy). */
function copyState<T>(g: GraphBuilder<T>, state: MutableState<T>): MutableState<T> {
  const copy = g.state(state.stage, state.kind, state.greedy);
  for (const t of state.transitions) {
    g.add(
      copy,
      t.action,
      t.target === (state as NFAStateNode<T>) ? copy : (t.target as MutableState<T>),
      t.condition,
    );
  }
  return copy;
}

function innerWalk<T>(w: Walk<T>, stage: Stage<T>, firstOfLoop: boolean): Walk<T> {
  const stages = stage.group!.stages;
  return { stages, i: stages.length - 1, group: { stage, firstOfLoop }, following: w.following };
}

/** Negations that guard the current stage: a backward run of optional stages ending in notFollowedBy. */
function currentNots<T>(w: Walk<T>): { condition: Condition<T>; name: string }[] {
  const nots: { condition: Condition<T>; name: string }[] = [];
  for (let j = w.i - 1; j >= 0; j--) {
    const prev = w.stages[j]!;
    const q = prev.quantifier;
    if (!(q.optional || q.consuming === 'notFollow')) break;
    if (q.consuming === 'notFollow')
      nots.push({ condition: takeCondition({ ...w, i: j }, prev), name: prev.name });
  }
  return nots;
}

function addStopStates<T>(g: GraphBuilder<T>, w: Walk<T>, state: MutableState<T>): void {
  for (const not of currentNots(w)) g.add(state, 'proceed', g.stop(not.condition, not.name), not.condition);
}

function addStopStateToLooping<T>(g: GraphBuilder<T>, w: Walk<T>, state: MutableState<T>): void {
  const next = w.following;
  if (next !== undefined && next.quantifier.consuming === 'notFollow') {
    const not = takeCondition(w, next);
    g.add(state, 'proceed', g.stop(not, next.name), not);
  }
}

/**
 * Taking an event in an optional stage discards the negations before it: for
 * `a notFollowedBy(b) c.optional() d`, "a c b d" matches but "a b d" does not. Copies `sink`
 * without the STOP edges of those negations (only when needed).
 */
function copyWithoutTransitiveNots<T>(
  g: GraphBuilder<T>,
  w: Walk<T>,
  sink: MutableState<T>,
): MutableState<T> {
  const nots = currentNots(w);
  if (nots.length === 0 || !stageOf(w).quantifier.optional) return sink;
  const copy = g.state(sink.stage, sink.kind, sink.greedy);
  for (const t of sink.transitions) {
    const target = t.target as MutableState<T>;
    if (t.action === 'proceed') {
      if (target.kind === 'stop') {
        if (!nots.some((n) => n.name === target.stage)) g.add(copy, t.action, target, t.condition);
      } else {
        g.add(copy, t.action, copyWithoutTransitiveNots(g, w, target), t.condition);
      }
    } else {
      g.add(copy, t.action, target === sink ? copy : target, t.condition);
    }
  }
  return copy;
}

const headOfGroup = <T>(w: Walk<T>): boolean => w.group !== undefined && w.i === 0;

function isOptional<T>(w: Walk<T>, firstOfLoop: boolean): boolean {
  if (headOfGroup(w)) return firstOfLoop && w.group!.firstOfLoop && w.group!.stage.quantifier.optional;
  return stageOf(w).quantifier.optional;
}

function ignoreFor<T>(strategy: ConsumingStrategy, stage: Stage<T>): Condition<T> | undefined {
  switch (strategy) {
    case 'strict':
    case 'notNext':
    case 'notFollow':
      return undefined;
    case 'skipTillNext':
      return Conditions.not(stage.condition ?? Conditions.always());
    case 'skipTillAny':
      return Conditions.always();
    default: {
      const never: never = strategy;
      throw new Error(`unknown consuming strategy ${String(never)}`);
    }
  }
}

function groupUntil<T>(w: Walk<T>): Condition<T> | undefined {
  return w.group?.stage.until;
}

/** IGNORE between the previous stage and this one. */
function ignoreCondition<T>(w: Walk<T>, firstOfLoop: boolean): Condition<T> | undefined {
  const stage = stageOf(w);
  let strategy = stage.quantifier.consuming;
  if (headOfGroup(w)) {
    const gq = w.group!.stage.quantifier;
    strategy = firstOfLoop && w.group!.firstOfLoop ? gq.consuming : gq.inner;
  }
  return withUntil(ignoreFor(strategy, stage), groupUntil(w), false);
}

/** IGNORE between iterations of this stage. */
function innerIgnoreCondition<T>(w: Walk<T>): Condition<T> | undefined {
  const stage = stageOf(w);
  const strategy = headOfGroup(w) ? w.group!.stage.quantifier.inner : stage.quantifier.inner;
  return withUntil(ignoreFor(strategy, stage), groupUntil(w), false);
}

function takeCondition<T>(w: Walk<T>, stage: Stage<T>): Condition<T> {
  return withUntil(stage.condition ?? Conditions.always(), groupUntil(w), true)!;
}

function trueCondition<T>(w: Walk<T>): Condition<T> {
  return withUntil(Conditions.always(), groupUntil(w), true)!;
}

function withUntil<T>(
  c: Condition<T> | undefined,
  until: Condition<T> | undefined,
  isTake: boolean,
): Condition<T> | undefined {
  if (until !== undefined && c !== undefined) return Conditions.and(Conditions.not(until), c);
  if (until !== undefined && isTake) return Conditions.not(until);
  return c;
}

/** The positions the stages unroll into: one per iteration, a group's repeated for each of its own. */
function positionsOf<T>(stages: readonly Stage<T>[]): number {
  let n = 0;
  for (const s of stages) {
    const q = s.quantifier;
    n += iterationsOf(q.multiplicity, q.from, q.to) * (s.group ? positionsOf(s.group.stages) : 1);
  }
  return n;
}

function minWindow<T>(stages: readonly Stage<T>[]): number {
  let w = 0;
  for (const s of stages) {
    if (s.window !== undefined && (w === 0 || s.window < w)) w = s.window;
    if (s.group) {
      const inner = minWindow(s.group.stages);
      if (inner > 0 && (w === 0 || inner < w)) w = inner;
    }
  }
  return w;
}

function collectGapWindows<T>(stages: readonly Stage<T>[], into: Map<string, number>): void {
  for (const s of stages) {
    if (s.gapWindow !== undefined) into.set(s.name, s.gapWindow);
    if (s.group) collectGapWindows(s.group.stages, into);
  }
}

function allNames<T>(stages: readonly Stage<T>[], into: string[]): string[] {
  for (const s of stages) {
    if (s.group) allNames(s.group.stages, into);
    else into.push(s.name);
  }
  return into;
}

function validate<T>(pattern: Pattern<T, any>, skipStrategy: AfterMatchSkipStrategy): void {
  const names = allNames(pattern.stages, []);
  const seen = new Set<string>();
  for (const n of names) {
    if (n === '$endState$')
      throw new MalformedPatternError('Pattern: "$endState$" is reserved; rename the stage');
    if (seen.has(n))
      throw new MalformedPatternError(
        `Pattern: the stage name "${n}" is used twice; stage names must be unique`,
      );
    seen.add(n);
  }
  checkStagesRead(pattern.stages, seen);
  const last = pattern.stages[pattern.stages.length - 1]!;
  if (
    last.quantifier.consuming === 'notFollow' &&
    minWindow(pattern.stages) === 0 &&
    last.gapWindow === undefined
  ) {
    throw new MalformedPatternError(
      `Pattern.notFollowedBy: "${last.name}" ends the pattern, so it needs within(ms): add .within(...) to say how long the absence must last`,
    );
  }
  const target = skipStrategy.patternName;
  if (target !== undefined && !seen.has(target)) {
    throw new MalformedPatternError(
      `AfterMatchSkipStrategy.${skipStrategy.kind}: the pattern has no stage "${target}" (stages: ${names.join(', ')})`,
    );
  }
}

/** Expressions may only aggregate over stages the pattern has. */
function checkStagesRead<T>(stages: readonly Stage<T>[], names: ReadonlySet<string>): void {
  for (const s of stages) {
    if (s.group) checkStagesRead(s.group.stages, names);
    for (const c of [s.condition, s.until]) {
      for (const read of stagesRead(specOf(c))) {
        if (!names.has(read)) {
          throw new MalformedPatternError(
            `Pattern: a condition of stage "${s.name}" reads stage "${read}", which the pattern does not have (stages: ${[...names].join(', ')})`,
          );
        }
      }
    }
  }
}

/**
 * The shape of a strict sequence (single stages, or `times(n).consecutive()`, joined by `next`),
 * one position per event, or undefined when the pattern is anything more.
 */
function sequenceShape<T>(
  stages: readonly Stage<T>[],
  gapWindows: ReadonlyMap<string, number>,
): SequenceShape<T> | undefined {
  if (gapWindows.size > 0) return undefined;
  const names: string[] = [];
  const conditions: (Condition<T> | undefined)[] = [];
  for (const [i, s] of stages.entries()) {
    const q = s.quantifier;
    if (s.group || s.until || q.optional || q.greedy) return undefined;
    if (i > 0 && q.consuming !== 'strict') return undefined;
    // times(n).consecutive() is n strict positions of one stage
    const n =
      q.multiplicity === 'single'
        ? 1
        : q.multiplicity === 'times' && q.from === q.to && q.inner === 'strict'
          ? q.from
          : 0;
    if (n === 0) return undefined;
    for (let k = 0; k < n; k++) {
      names.push(s.name);
      conditions.push(s.condition);
    }
  }
  return Object.freeze({ names: Object.freeze(names), conditions: Object.freeze(conditions) });
}
