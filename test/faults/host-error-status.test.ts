// The PostHog host answering 500 (retried by the SDK) and 413 (batch halved, then dropped).
import { describeHostFaults } from './host-faults.js';

describeHostFaults([
  ['answering 500', 500],
  ['answering 413', 413],
]);
