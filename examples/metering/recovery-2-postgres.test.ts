import { describeRecovery } from './recovery-case';

describeRecovery(2, 'postgres');
