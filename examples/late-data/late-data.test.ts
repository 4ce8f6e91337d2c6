import { describe, expect, it } from 'vitest';
import { lateData } from './late-data';

describe('late-data', () => {
  it('fires at end − 1, fires again within the allowed lateness, and sends later readings to the side output', async () => {
    // Expected from the time semantics: [0,10) fires when the watermark reaches 9; the reading at 7
    // arrives at watermark 9 ≤ 9 + 5 and fires it again; at watermark 14 the window is closed, so
    // the reading at 8 is late; [10,20) fires at 25 with 0.3 + 0.6.
    expect(await lateData()).toEqual({
      firings: [
        'm1 [0, 10) at watermark 9: 0.3 kWh from 2 readings',
        'm1 [0, 10) at watermark 9: 0.7 kWh from 3 readings',
        'm1 [10, 20) at watermark 25: 0.9 kWh from 2 readings',
      ],
      late: ['m1 0.5 kWh'],
    });
  });
});
