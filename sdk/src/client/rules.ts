/**
 * The client's current rules: the last snapshot and its prepared form (prepared once per update, so
 * evaluations never re-prepare). Applying a snapshot or patch returns the keys of the flags it changed.
 */
import { type PreparedSnapshot, prepareSnapshot } from '../engine/index.ts';
import { preparePatched, prepareSnapshotFrom } from '../engine/prepare/snapshot.ts';
import type { FlagDefinition, Patch, Snapshot } from '../model/index.ts';
import { changedFlagKeys } from './changes.ts';

type PatchOutcome = { kind: 'applied'; changed: string[] } | { kind: 'current' } | { kind: 'gap' };

/** How rules are prepared; a client sending metrics prepares them counted, and harvests the ones it replaces. */
export type RulePreparer = {
  prepare(snapshot: Snapshot): PreparedSnapshot;
  /** As prepare(next), reusing what `previous` prepared for the flags `next` has unchanged (see prepareSnapshotFrom). */
  prepareFrom?(next: Snapshot, previous: { snapshot: Snapshot; prepared: PreparedSnapshot }): PreparedSnapshot;
  /** `previous` with only the flags in `changes` prepared again, or undefined when that could differ (see preparePatched). */
  preparePatched?(
    previous: PreparedSnapshot,
    version: number,
    changes: ReadonlyMap<string, FlagDefinition | null>,
  ): PreparedSnapshot | undefined;
  adopt?(next: PreparedSnapshot, previous: PreparedSnapshot | undefined): void;
};

const UNCOUNTED: RulePreparer = {
  prepare: prepareSnapshot,
  prepareFrom: (next, previous) => prepareSnapshotFrom(next, previous, null),
  preparePatched: (previous, version, changes) => preparePatched(previous, version, changes, null),
};

export class RuleSet {
  private current: { snapshot: Snapshot; prepared: PreparedSnapshot } | undefined;
  /**
   * The current snapshot is this set's own copy, so a patch may change it in place. A snapshot given
   * to replace() (the caller's bootstrap, a parsed message) is copied once, at the first patch.
   */
  private ownsSnapshot = false;

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
    this.ownsSnapshot = false;
    this.preparer.adopt?.(prepared, before?.prepared);
    return before ? changedFlagKeys(before.snapshot, snapshot) : [];
  }

  /** Applies a patch by the protocol's version rules (a <= v < b: apply; v < a: gap; v >= b: already current). */
  applyPatch(patch: Patch): PatchOutcome {
    const current = this.current;
    if (!current || current.snapshot.version < patch.fromVersion) return { kind: 'gap' };
    if (current.snapshot.version >= patch.version) return { kind: 'current' };
    const changed = this.patchFlags(current, patch);
    if (changed) return { kind: 'applied', changed };
    const before = current.snapshot;
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
    const keys = this.replace({ ...before, version: patch.version, flags, segments });
    this.ownsSnapshot = true;
    return { kind: 'applied', changed: keys };
  }

  /**
   * A patch of flags only, in time proportional to the patch: the changed keys are the patch's own
   * (equal versions mean equal definitions) and only those flags are prepared again. Every streaming
   * client pays this at every change; with 201 flags, copying and comparing the whole snapshot cost
   * 263 us a patch, 131 ms for the 500 clients of one bench:release load process
   * (bench/release/patch-cost.ts). Undefined when the patch touches segments or prerequisites.
   */
  private patchFlags(current: { snapshot: Snapshot; prepared: PreparedSnapshot }, patch: Patch): string[] | undefined {
    if (!this.preparer.preparePatched) return undefined;
    for (const _ in patch.segments) return undefined;
    const had = current.snapshot.flags;
    const changes = new Map<string, FlagDefinition | null>();
    for (const key in patch.flags) {
      const definition = patch.flags[key]!;
      const before = Object.hasOwn(had, key) ? had[key] : undefined;
      if (definition === null ? before !== undefined : before?.version !== definition.version) changes.set(key, definition);
    }
    const prepared = this.preparer.preparePatched(current.prepared, patch.version, changes);
    if (!prepared) return undefined;
    const snapshot = this.ownsSnapshot ? current.snapshot : { ...current.snapshot, flags: { ...had } };
    snapshot.version = patch.version;
    for (const [key, definition] of changes) {
      if (definition) snapshot.flags[key] = definition;
      else delete snapshot.flags[key];
    }
    this.current = { snapshot, prepared };
    this.ownsSnapshot = true;
    this.preparer.adopt?.(prepared, current.prepared);
    return [...changes.keys()].sort();
  }
}
