// uPlot is loaded by a classic script tag (its IIFE build) and used as a global.
declare const uPlot: typeof import('uplot').default;
type uPlotOptions = import('uplot').Options;
type uPlotInstance = import('uplot').default;
type AlignedData = import('uplot').AlignedData;

interface Window {
  /** Test hooks: when each alert was first shown, by its number; how many updates arrived. */
  eventideDashboard?: { alertsShown: Map<number, number>; updates: number; snapshots: number };
}
