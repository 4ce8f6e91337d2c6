import { hourlyTotals } from './quickstart';

console.log('Hourly electricity use of the whole fleet (kWh, hour start in UTC):');

for (const { hour, kWh } of await hourlyTotals()) console.log(`${hour}  ${kWh.toFixed(3).padStart(9)} kWh`);
