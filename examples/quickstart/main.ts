import { hourlyTotals } from './quickstart';

for (const { hour, kWh } of await hourlyTotals()) console.log(`${hour}  ${kWh.toFixed(3).padStart(9)} kWh`);
