/** The algorithm this code implements (DRAW-SPEC.md); a change to any line of the spec is a new version. */
export const ALGORITHM = 'LAUREL-DRAW-v1';
