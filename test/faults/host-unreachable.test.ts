// The PostHog host refusing connections, or accepting them and never answering.
import { describeHostFaults } from './host-faults.js';

describeHostFaults([
  ['refusing connections', 'refuse'],
  ['hanging', 'hang'],
]);
