/**
 * What travels between the dashboard's server and its pages, as JSON: the values shown, the
 * updates, the health view, the drawn map and a customer's page. Plain data only, so the pages'
 * scripts can be checked against these types.
 */

/** One value for a map place: e.g. a ZIP code's electricity use in one hour. */
export interface PlaceValue {
  /** The place's id (a ZIP code), as given in the dashboard's map places. */
  readonly place: string;
  /** What is measured (electricity, gas, water): the map has a switch per metric. */
  readonly metric: string;
  /** Event time the value is about (a window's start), epoch milliseconds. */
  readonly t: number;
  readonly value: number;
}

/** One point of a time series: e.g. a borough's electricity use in one hour. */
export interface SeriesPoint {
  /** The line (a borough). */
  readonly series: string;
  readonly metric: string;
  /** Event time, epoch milliseconds (the chart's x axis). */
  readonly t: number;
  readonly value: number;
}

/** One alert as the feed shows it. */
export interface AlertItem {
  readonly type: string;
  /** What the alert is about (a service id): the feed links to its customer page. */
  readonly subject: string;
  /** The map place it belongs to (a ZIP code), if any. */
  readonly place?: string;
  readonly metric?: string;
  /** When it was raised, event time, epoch milliseconds. */
  readonly t: number;
  readonly detail: string;
}

/** An alert with its arrival number in this dashboard (1, 2, 3, …). */
export interface NumberedAlert extends AlertItem {
  readonly n: number;
}

/** One operator's line in the health view. */
export interface OperatorHealth {
  readonly name: string;
  readonly kind: string;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Its last finite watermark: null before the first and after the end of input. */
  readonly watermark: number | null;
  /** Its watermark reached +Infinity: all its input has been processed. */
  readonly inputEnded: boolean;
  /** Event-time milliseconds behind the job's furthest watermark (null before its first). */
  readonly lag: number | null;
  readonly late: number;
  readonly invalid: number;
  readonly partialMatches: number;
}

/** The pipeline's health, derived from `job.metrics$` and the process's memory. */
export interface Health {
  readonly state: 'created' | 'running' | 'finished' | 'stopped' | 'failed';
  /** The job's clock when measured. */
  readonly at: number;
  /** Records the sources produced per second of the job's clock, since the previous snapshot. */
  readonly recordsPerSecond: number;
  readonly recordsIn: number;
  /** The job's furthest finite watermark (null before the first, and once every one ended). */
  readonly watermark: number | null;
  /** Some watermark reached +Infinity: the (bounded) input has been read to its end. */
  readonly inputEnded: boolean;
  /** How far the slowest operator's watermark is behind the furthest one, event-time ms. */
  readonly eventTimeLag: number | null;
  readonly late: number;
  readonly invalid: number;
  readonly partialMatches: number;
  readonly checkpoints: {
    readonly completed: number;
    readonly lastDurationMs: number;
    readonly lastSizeBytes: number;
  };
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number };
  readonly operators: readonly OperatorHealth[];
}

/** Everything the board holds: what a browser gets when it connects. */
export interface BoardSnapshot {
  readonly places: readonly PlaceValue[];
  readonly series: readonly SeriesPoint[];
  readonly alerts: readonly NumberedAlert[];
  readonly health: Health | null;
}

/** What changed since the previous delta. */
export interface BoardDelta {
  readonly places: readonly PlaceValue[];
  readonly series: readonly SeriesPoint[];
  readonly alerts: readonly NumberedAlert[];
  readonly health: Health | null;
}

/** A customer's own page: what `customers.page` returns for one subject. */
export interface CustomerPage {
  readonly title: string;
  /** Short facts shown at the top (address, tariff, ZIP code). */
  readonly details?: Readonly<Record<string, string>>;
  /** Use (and cost) per day. */
  readonly daily: readonly {
    readonly date: string;
    readonly metric: string;
    readonly unit: string;
    readonly use: number;
    readonly cost?: number;
  }[];
  /** Recent readings, drawn as a chart per metric. */
  readonly readings: readonly {
    readonly t: number;
    readonly metric: string;
    readonly unit: string;
    readonly value: number;
  }[];
  readonly alerts: readonly AlertItem[];
}

/** A projected map, ready for SVG: what the page receives. */
export interface DrawnMap {
  readonly width: number;
  readonly height: number;
  readonly regions: readonly { readonly id: string; readonly name: string; readonly path: string }[];
  readonly places: readonly {
    readonly id: string;
    readonly name: string;
    readonly region: string;
    readonly x: number;
    readonly y: number;
  }[];
}
