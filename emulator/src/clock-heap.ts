import type { ScheduledWork } from './clock.js';

/** A task waiting on the sandbox clock. */
export interface HeapEntry {
  readonly at: number;
  readonly seq: number;
  readonly task: ScheduledWork;
  cancelled: boolean;
  /** Still waiting in the heap (not yet taken to run, nor dropped). */
  queued: boolean;
}

/**
 * A binary min-heap of tasks by (time, scheduling order): scheduling and taking the earliest are
 * O(log n), so ten thousand pending postbacks cost no more per request than ten.
 */
export class TaskHeap {
  private readonly items: HeapEntry[] = [];
  private cancelledCount = 0;

  /** Tasks still to run. */
  get size(): number {
    return this.items.length - this.cancelledCount;
  }

  push(entry: HeapEntry): void {
    this.items.push(entry);
    this.up(this.items.length - 1);
  }

  /** The earliest task that is not cancelled. */
  peek(): HeapEntry | undefined {
    while (this.items[0]?.cancelled) {
      this.removeTop();
      this.cancelledCount--;
    }
    return this.items[0];
  }

  pop(): HeapEntry | undefined {
    const top = this.peek();
    if (top) this.removeTop();
    return top;
  }

  /** A cancelled task stays in place until it reaches the top, then is dropped. */
  cancelled(entry: HeapEntry): void {
    if (entry.queued) this.cancelledCount++;
  }

  private removeTop(): void {
    const top = this.items[0];
    if (top) top.queued = false;
    const last = this.items.pop();
    if (last && this.items.length > 0) {
      this.items[0] = last;
      this.down(0);
    }
  }

  private before(a: HeapEntry, b: HeapEntry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(index: number): void {
    const items = this.items;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const child = items[i] as HeapEntry;
      const above = items[parent] as HeapEntry;
      if (!this.before(child, above)) break;
      items[i] = above;
      items[parent] = child;
      i = parent;
    }
  }

  private down(index: number): void {
    const items = this.items;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (
        left < items.length &&
        this.before(items[left] as HeapEntry, items[smallest] as HeapEntry)
      ) {
        smallest = left;
      }
      if (
        right < items.length &&
        this.before(items[right] as HeapEntry, items[smallest] as HeapEntry)
      ) {
        smallest = right;
      }
      if (smallest === i) return;
      const here = items[i] as HeapEntry;
      items[i] = items[smallest] as HeapEntry;
      items[smallest] = here;
      i = smallest;
    }
  }
}
