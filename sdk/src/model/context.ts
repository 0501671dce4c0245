/** What flags are evaluated for: a context, identified by its `key`, with attributes that rules compare. */

/**
 * An evaluation context: a non-empty `key` plus attributes. Attribute values must be strings, finite
 * numbers, booleans, or arrays of those; any other value is treated as if the attribute were missing.
 */
export type Context = { key?: string; [attr: string]: unknown };

/** A well-typed context attribute value. */
export type ContextValue = string | number | boolean | (string | number | boolean)[];

/** A context that passed ContextSchema (remote evaluation): a key and well-typed attributes. The engine accepts the looser `Context`. */
export type ValidContext = { key: string; [attr: string]: ContextValue };
