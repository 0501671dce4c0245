import { CloseCode } from '@switchyard/sdk/model';

export type AwaitingHelloLimits = {
  /** Sockets from one client address that have not yet presented a key; the next is closed with 4429. */
  maxAwaitingHelloPerAddress: number;
  /** The same over every address; the next is closed with 1013. */
  maxAwaitingHello: number;
};

/**
 * Counts the sockets that have not yet presented a key (no `Authorization` on the upgrade, no `hello`
 * yet). Each holds memory until its hello or its deadline, and costs its sender nothing, so their
 * number is bounded per address and in all; sockets that presented a key are not counted here.
 */
export class AwaitingHello {
  private readonly byAddress = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: AwaitingHelloLimits) {}

  /** Counts a new socket from `address`; or, when it is one too many, the close code and reason to refuse it with. */
  admit(address: string): { code: number; reason: string } | null {
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.maxAwaitingHelloPerAddress) {
      return { code: CloseCode.rateLimited, reason: 'too many connections awaiting hello from this address' };
    }
    if (this.total >= this.limits.maxAwaitingHello) return { code: CloseCode.tryAgainLater, reason: 'too many connections awaiting hello' };
    this.byAddress.set(address, fromAddress + 1);
    this.total++;
    return null;
  }

  /** The socket presented a key, or closed. */
  release(address: string): void {
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (fromAddress <= 1) this.byAddress.delete(address);
    else this.byAddress.set(address, fromAddress - 1);
    this.total = Math.max(0, this.total - 1);
  }
}
