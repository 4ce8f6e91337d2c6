import { MAX_PATTERN_STATES, MAX_SPEC_DEPTH } from '@eventide/cep';
import { execute, INVALID } from '@eventide/core';
import { createFleet, readings } from '@eventide/generator';
import { describe, expect, it } from 'vitest';
import type { Alert } from './alert';
import { levelsOf } from './levels';
import {
  type AlertPattern,
  DEFAULT_PATTERNS,
  fixedPatterns,
  MAX_PATTERN_FILE_SIZE,
  MAX_PATTERNS_PER_FILE,
  parsePatternFile,
  patternAlerts,
} from './patterns';
import { flagHigh, spikeWarnings } from './spike';
import { usageOfRun } from './usage';

// A patterns file comes from users: what it holds may fail when a match is turned into an alert,
// and it may be built to exhaust the job. Neither may take the job down.

const line = (a: Alert) =>
  JSON.stringify([a.type, a.service_uid, a.commodity, a.at_ms, a.since_ms, a.detail]);

/** Matches every reading of 3 a.m. over usage; `detail` and `when` as given. */
const at3 = (id: string, parts: Partial<AlertPattern>): AlertPattern => ({
  id,
  version: 2,
  alert: id,
  input: 'usage',
  pattern: { version: 1, stages: [{ link: 'begin', name: 'r', where: { expr: 'hour == 3' } }] },
  subject: 'r',
  detail: 'reading at ${iso(first(r, ts))}',
  ...parts,
});

describe('alert patterns that fail at match time', () => {
  it('send the match to the invalid output, naming the pattern and the reason, and the job goes on', async () => {
    const run = readings(createFleet({ seed: 7, services: 60 }), {
      start: '2026-01-05T00:00:00Z',
      days: 2,
      anomalies: true,
      faults: true,
    });
    const { end, intervalMs } = run.resolved;
    const usage = usageOfRun(run).filter((u) => !u.correction);
    const flagged = flagHigh(usage, intervalMs);
    const inputs = { usage, flagged, warnings: spikeWarnings(flagged), levels: levelsOf(usage) };
    const hostile: AlertPattern[] = [
      // a time a million times too far: iso() of it throws when the detail is written
      at3('far-future', { detail: 'at ${iso(first(r, ts) * 1000000)}' }),
      at3('bad-when', { when: "iso(first(r, ts) * -1000000) == 'then'" }),
    ];
    const withHostile = patternAlerts(inputs, fixedPatterns([...DEFAULT_PATTERNS, ...hostile]), end);
    const { outputs } = await execute({ alerts: withHostile, invalid: withHostile.getSideOutput(INVALID) });
    const plain = (await execute({ plain: patternAlerts(inputs, fixedPatterns(DEFAULT_PATTERNS), end) }))
      .outputs.plain;
    // the other patterns raise what they raise without the hostile ones
    expect(plain.length).toBeGreaterThan(0);
    expect(outputs.alerts.map(line).sort()).toEqual(plain.map(line).sort());
    // every 3 a.m. reading failed twice, once per hostile pattern
    const reasons = outputs.invalid.map((r) => r.reason);
    const far = reasons.filter((r) => r.includes('"far-future"'));
    expect(far.length).toBeGreaterThan(100);
    expect(reasons.length).toBe(2 * far.length);
    for (const r of far) expect(r).toMatch(/pattern "far-future" \(version 2\): detail: Invalid time value/);
    for (const r of reasons.filter((x) => !far.includes(x))) {
      expect(r).toMatch(/pattern "bad-when" \(version 2\): when: Invalid time value/);
    }
    expect(outputs.invalid[0]!.value).toMatchObject({ patternId: 'far-future', version: 2 });
  });
});

describe('a patterns file built to exhaust the job', () => {
  const file = (patterns: unknown[]) => JSON.stringify({ patterns });
  const oneLine = (text: string, message: RegExp) => {
    let error: unknown;
    const t = performance.now();
    try {
      parsePatternFile(text, 'p.json');
    } catch (e) {
      error = e;
    }
    // a watchdog (the refusal takes ms; the defect ran out of memory), not a speed target
    expect(performance.now() - t).toBeLessThan(30_000);
    expect(error).toBeInstanceOf(Error);
    const m = (error as Error).message;
    expect(m).toMatch(message);
    expect(m).not.toMatch(/\n/);
    expect(m.length).toBeLessThan(400);
  };

  it('is refused before the job runs, with one line naming the file and the limit', () => {
    const spike = DEFAULT_PATTERNS[0]!;
    const huge = {
      ...spike,
      pattern: {
        version: 1,
        stages: [
          { link: 'begin', name: 'start' },
          ...Array.from({ length: 299 }, (_, i) => ({ link: 'followedBy', name: `s${i}`, times: 10_000 })),
        ],
      },
    };
    oneLine(
      file([huge]),
      /^p\.json: pattern "spike": Pattern\.fromJSON: the pattern unrolls into 2990001 positions/,
    );
    // 20 000 nested conditions: written as text (JSON.stringify itself would overflow)
    const not = `${'{"not":'.repeat(20_000)}{"expr":"kWh > 0"}${'}'.repeat(20_000)}`;
    const deep = {
      ...spike,
      pattern: { version: 1, stages: [{ link: 'begin', name: 'first', where: 'NOT' }] },
    };
    oneLine(
      file([deep]).replace('"NOT"', not),
      new RegExp(
        `^p\\.json: pattern "spike": Pattern\\.fromJSON: at stages\\.0\\.where(\\.not)+: nested more than ${MAX_SPEC_DEPTH} deep`,
      ),
    );
    oneLine(
      ' '.repeat(MAX_PATTERN_FILE_SIZE + 1),
      /^p\.json: the file has 1000001 characters, more than MAX_PATTERN_FILE_SIZE \(1000000\)/,
    );
    const many = Array.from({ length: MAX_PATTERNS_PER_FILE + 1 }, (_, i) => ({ ...spike, id: `p${i}` }));
    oneLine(file(many), /^p\.json: the file has 1001 patterns, more than MAX_PATTERNS_PER_FILE \(1000\)/);
    // each pattern within the limits, the file's total past them: 20 times 10 000 iterations
    const heavy = Array.from({ length: 20 }, (_, i) => ({
      ...spike,
      id: `p${i}`,
      pattern: { version: 1, stages: [{ link: 'begin', name: 'first', times: 10_000 }] },
    }));
    oneLine(
      file(heavy),
      new RegExp(`^p\\.json: the patterns compile to more than ${MAX_PATTERN_STATES} NFA states together`),
    );
    oneLine(
      file([{ ...spike, detail: `\${${'('.repeat(1000)}1${')'.repeat(1000)}}` }]),
      /^p\.json: pattern "spike": expr: nested more than 64 deep/,
    );
    oneLine(
      file([{ ...spike, when: `a\n${'#'}` }]),
      /^p\.json: pattern "spike": expr: unexpected '#' at column 3 in 'a #'$/,
    );
    oneLine(
      file([{ ...spike, subject: 'nope' }]),
      /^p\.json: pattern "spike": the subject "nope" is not a stage of the pattern \(first, second\)/,
    );
    oneLine(
      file([
        {
          ...spike,
          pattern: JSON.parse(
            '{"version":1,"__proto__":{"polluted":1},"stages":[{"link":"begin","name":"a"}]}',
          ),
        },
      ]),
      /^p\.json: pattern "spike": Pattern\.fromJSON: the key "__proto__" is not allowed in a spec/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
