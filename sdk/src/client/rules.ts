/**
 * The client's current rules: the last snapshot and its prepared form (prepared once per update, so
 * evaluations never re-prepare). Applying a snapshot or patch returns the keys of the flags it changed.
 */
import { type PreparedSnapshot, prepareSnapshot } from '../engine/index.ts';
import { prepareSnapshotFrom } from '../engine/prepare/snapshot.ts';
import type { Patch, Snapshot } from '../model/index.ts';
import { changedFlagKeys } from './changes.ts';

type PatchOutcome = { kind: 'applied'; changed: string[] } | { kind: 'current' } | { kind: 'gap' };

/** How rules are prepared; a client sending metrics prepares them counted, and harvests the ones it replaces. */
export type RulePreparer = {
  prepare(snapshot: Snapshot): PreparedSnapshot;
  /** As prepare(next), reusing what `previous` prepared for the flags `next` has unchanged (see prepareSnapshotFrom). */
  prepareFrom?(next: Snapshot, previous: { snapshot: Snapshot; prepared: PreparedSnapshot }): PreparedSnapshot;
  adopt?(next: PreparedSnapshot, previous: PreparedSnapshot | undefined): void;
};

const UNCOUNTED: RulePreparer = {
  prepare: prepareSnapshot,
  prepareFrom: (next, previous) => prepareSnapshotFrom(next, previous, null),
};

export class RuleSet {
  private current: { snapshot: Snapshot; prepared: PreparedSnapshot } | undefined;

  constructor(private readonly preparer: RulePreparer = UNCOUNTED) {}

  get snapshot(): Snapshot | undefined {
    return this.current?.snapshot;
  }

  get prepared(): PreparedSnapshot | undefined {
    return this.current?.prepared;
  }

  get version(): number | undefined {
    return this.current?.snapshot.version;
  }

  /** Replaces the rules. Throws only if the engine cannot prepare the snapshot (the old rules stay). */
  replace(snapshot: Snapshot): string[] {
    const before = this.current;
    const prepared = before && this.preparer.prepareFrom ? this.preparer.prepareFrom(snapshot, before) : this.preparer.prepare(snapshot);
    this.current = { snapshot, prepared };
    this.preparer.adopt?.(prepared, before?.prepared);
    return before ? changedFlagKeys(before.snapshot, snapshot) : [];
  }

  /** Applies a patch by the protocol's version rules (a <= v < b: apply; v < a: gap; v >= b: already current). */
  applyPatch(patch: Patch): PatchOutcome {
    const before = this.current?.snapshot;
    if (!before || before.version < patch.fromVersion) return { kind: 'gap' };
    if (before.version >= patch.version) return { kind: 'current' };
    const flags = { ...before.flags };
    for (const [key, flag] of Object.entries(patch.flags)) {
      if (flag) flags[key] = flag;
      else delete flags[key];
    }
    const segments = { ...before.segments };
    for (const [key, segment] of Object.entries(patch.segments)) {
      if (segment) segments[key] = segment;
      else delete segments[key];
    }
    return { kind: 'applied', changed: this.replace({ ...before, version: patch.version, flags, segments }) };
  }
}
