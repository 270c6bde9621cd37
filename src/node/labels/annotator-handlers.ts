// The annotators' methods of the contract over the open project (src/shared/annotators-contract.ts).
// Changing the policy re-materialises the resolved human layer; every open review screen refreshes.
import { TIE_RULE } from '../../shared/annotators';
import type { annotatorMethods } from '../../shared/annotators-contract';
import type { Handlers } from '../../shared/dispatch';
import { TASKS } from '../../shared/labels';
import type { Backend } from '../app/backend';
import { writeRetrying } from '../store/busy';
import { annotatorNames, annotatorSummaries, policyChoices, projectPolicy, setProjectPolicy } from './annotations';

export type AnnotatorHandlers = Pick<Handlers, keyof typeof annotatorMethods>;

export function annotatorHandlers(backend: Backend): AnnotatorHandlers {
  return {
    'annotators.list': () => {
      const p = backend.requireProject();
      return { annotators: annotatorSummaries(p.db), policy: projectPolicy(p.db) };
    },
    'annotators.policy': async ({ set }) => {
      const p = backend.requireProject();
      let resolved: number;
      if (set !== undefined) {
        resolved = (await writeRetrying(p.db, () => setProjectPolicy(p.db, set))).resolved;
        // Every resolved row may have changed: each media item with frames is announced whole.
        const media = p.db.prepare('SELECT id, frame_count FROM media WHERE frame_count > 0').all() as { id: number; frame_count: number }[];
        for (const m of media) backend.emit('labels.changed', { mediaId: m.id, from: 0, to: m.frame_count - 1, tasks: [...TASKS] });
      } else {
        resolved = p.db.prepare(`SELECT COUNT(*) FROM labels WHERE layer = 'human'`).pluck().get() as number;
      }
      return { policy: projectPolicy(p.db), choices: policyChoices(annotatorNames(p.db, { role: 'annotator' })), tieRule: TIE_RULE, resolved };
    },
  };
}
