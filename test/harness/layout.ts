/**
 * Lessons already rewritten to the layout issues 8 and 10 define (time estimate at the
 * top, main path ≤ 2,500 words up to `## Going deeper`, a recap, a "Your server must…"
 * list that states the exercise's promises). The checks of that layout apply to these;
 * the coordinator adds each lesson here as its rewrite lands.
 */
export const LESSONS_WITH_NEW_LAYOUT: readonly string[] = [];
