// The user's limits of "uncertain" and "disagrees" (src/shared/review-criteria.ts), remembered in
// this browser / app profile and read back through the contract's schema: a stored value that no
// longer parses (an older shape, a hand edit) gives the defaults instead.
import { DEFAULT_CRITERIA, ReviewCriteria } from '../../../shared/review-criteria';

const KEY = 'aw.review.criteria';

export function storedCriteria(): ReviewCriteria {
  try {
    const raw = localStorage.getItem(KEY);
    const parsed = raw === null ? null : ReviewCriteria.safeParse(JSON.parse(raw));
    return parsed?.success ? parsed.data : DEFAULT_CRITERIA;
  } catch {
    return DEFAULT_CRITERIA;
  }
}

export function storeCriteria(c: ReviewCriteria): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(c));
  } catch {
    /* storage unavailable: the limits hold for this window only */
  }
}
