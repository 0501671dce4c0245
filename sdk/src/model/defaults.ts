import type { FlagConfig } from './flag.ts';

/**
 * The configuration a flag starts with in every environment: off, serving its last variation
 * when off and its first when on (for a boolean flag `[true, false]`: false when off, true when on).
 */
export function defaultFlagConfig(variationCount: number): FlagConfig {
  return {
    on: false,
    offVariation: Math.max(variationCount - 1, 0),
    fallthrough: { variation: 0 },
    targets: [],
    rules: [],
    prerequisites: [],
  };
}
