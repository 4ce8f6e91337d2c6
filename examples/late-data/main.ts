import { lateData } from './late-data';

const { firings, late } = await lateData();
console.log('window firings:');
for (const f of firings) console.log(`  ${f}`);
console.log('late side output:');
for (const l of late) console.log(`  ${l}`);
