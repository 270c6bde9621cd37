// The Agreement methods of the contract over the open project (src/shared/agreement-contract.ts).
import type { Handlers } from '../../shared/dispatch';
import type { agreementMethods } from '../../shared/agreement-contract';
import type { Backend } from '../app/backend';
import { computeAgreement } from './compute';

export function agreementHandlers(backend: Backend): Pick<Handlers, keyof typeof agreementMethods> {
  return {
    'agreement.compute': (req) => computeAgreement(backend.requireProject().db, req),
  };
}
