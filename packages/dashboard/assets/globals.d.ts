// uPlot is loaded by a classic script tag (its IIFE build) and used as a global.
declare const uPlot: typeof import('uplot').default;
type uPlotOptions = import('uplot').Options;
type uPlotInstance = import('uplot').default;
type AlignedData = import('uplot').AlignedData;

interface Window {
  /**
   * Test and benchmark hooks: each alert's event time and when it was first shown (epoch ms), by
   * its number; how many updates and snapshots arrived.
   */
  eventideDashboard?: {
    alertsShown: Map<number, { t: number; shownAt: number }>;
    updates: number;
    snapshots: number;
  };
}
