// The adjudicator's name: the annotator name remembered on this machine (localStorage 'aw.annotator',
// the key the annotator-name prompt keeps). TEMPORARY until the session's ensureAnnotator() (helper
// "agreement") is on main: then this asks through it.
const KEY = 'aw.annotator';

export async function adjudicatorName(): Promise<string | null> {
  let name: string | null = null;
  try {
    name = localStorage.getItem(KEY);
  } catch {
    /* storage refused */
  }
  if (name?.trim()) return name.trim();
  const asked = window.prompt('Who is adjudicating? (your name, remembered on this machine)')?.trim() ?? '';
  if (!asked || asked.length > 120) return null;
  try {
    localStorage.setItem(KEY, asked);
  } catch {
    /* used for this decision only */
  }
  return asked;
}
