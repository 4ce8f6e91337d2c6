import { describeRecovery } from './recovery-case';

describeRecovery(1, 'sqlite');
