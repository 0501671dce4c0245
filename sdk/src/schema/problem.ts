/** One problem found by a validator, with the path of the offending field. */
export type ValidationProblem = { path: (string | number)[]; message: string };
