import { execute } from '@eventide/core';
import { createFleet, readings } from '@eventide/generator';
import { describe, expect, it } from 'vitest';
import { type Alert, leakAlerts, stoppedReporting, stuckAlerts } from './alerts';
import { levelsOf } from './levels';
import { DEFAULT_PATTERNS, fixedPatterns, parsePatternFile, patternAlerts } from './patterns';
import { flagHigh, repeatedWarnings, spikeWarnings } from './spike';
import { usageOfRun } from './usage';

// The alerts as data must raise exactly what the alerts as code raise: the code (alerts.ts,
// spike.ts, outage.ts) is the reference the default patterns file is checked against.

const line = (a: Alert) =>
  JSON.stringify([a.type, a.service_uid, a.commodity, a.at_ms, a.since_ms, a.detail]);

describe('the default alert patterns, as data', () => {
  it('raise the same alerts as the code, on a generated week with every anomaly', async () => {
    const run = readings(createFleet({ seed: 7, services: 300 }), {
      start: '2026-01-05T05:00:00Z',
      days: 4,
      anomalies: true,
      faults: true,
    });
    const { start, end, intervalMs } = run.resolved;
    void start;
    const usage = usageOfRun(run).filter((u) => !u.correction);
    const flagged = flagHigh(usage, intervalMs);
    const warnings = spikeWarnings(flagged);
    const levels = levelsOf(usage);
    const byCode = repeatedWarnings(warnings).union(
      stoppedReporting(usage, end),
      leakAlerts(usage, intervalMs),
      stuckAlerts(levels, intervalMs),
    );
    const byData = patternAlerts({ usage, flagged, warnings, levels }, fixedPatterns(DEFAULT_PATTERNS), end);
    const { outputs } = await execute({ byCode, byData });
    expect(outputs.byCode.length).toBeGreaterThan(20);
    expect(new Set(outputs.byCode.map((a) => a.type))).toEqual(
      new Set(['spike', 'stopped-reporting', 'leak', 'stuck']),
    );
    expect(outputs.byData.map(line).sort()).toEqual(outputs.byCode.map(line).sort());
  });

  it('are what the example file holds, and a file is checked before the job runs', () => {
    const file = JSON.stringify({ patterns: DEFAULT_PATTERNS });
    expect(parsePatternFile(file, 'p.json')).toEqual(DEFAULT_PATTERNS);
    const bad: [unknown, RegExp][] = [
      [{ patterns: [{ ...DEFAULT_PATTERNS[0], input: 'sky' }] }, /p\.json: at patterns\.0\.input/],
      [{ patterns: [DEFAULT_PATTERNS[0], DEFAULT_PATTERNS[0]] }, /the id "spike" is used twice/],
      [
        { patterns: [{ ...DEFAULT_PATTERNS[0], detail: '${nope(' }] },
        /pattern "spike": detail: a "\$\{" is not closed/,
      ],
      [
        { patterns: [{ ...DEFAULT_PATTERNS[0], detail: '${nope(1)}' }] },
        /pattern "spike": expr: unknown function 'nope'/,
      ],
      [{ patterns: [{ ...DEFAULT_PATTERNS[0], when: 'a <' }] }, /pattern "spike": expr: unexpected end/],
    ];
    for (const [json, message] of bad)
      expect(() => parsePatternFile(JSON.stringify(json), 'p.json')).toThrow(message);
    expect(() => parsePatternFile('{', 'p.json')).toThrow(/p\.json: not JSON/);
  });
});
