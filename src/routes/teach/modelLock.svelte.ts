/**
 * The inference worker holds one model with one KV cache: the Teach page runs one generation at a time. The
 * section that holds the lock runs; the others disable their run buttons and say why.
 */
export class ModelLock {
  owner = $state<string | null>(null);

  take(who: string): boolean {
    if (this.owner !== null) return false;
    this.owner = who;
    return true;
  }

  release(who: string) {
    if (this.owner === who) this.owner = null;
  }
}
