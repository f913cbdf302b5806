/**
 * Panes locked in micrometres with one leader at a time. The leader is the pane the user last pressed, scrolled
 * or used the keyboard on; only its viewport changes propagate. Followers are moved with `immediately = true` and
 * drawn in the same frame, and their own viewport events are ignored while they follow, so there is no ping-pong
 * and no lag frame.
 */
import type { ViewUm } from '../../../../shared/viewport';

export interface LockablePane {
  readonly id: number;
  /** The pane's view in micrometres from its current (animated) viewport; null before its image is open. */
  viewUm(): ViewUm | null;
  /** Moves the pane to a view at once and draws it now. */
  follow(view: ViewUm): void;
  /** Ends any animation where it currently is (a pane that loses the lead must not drift on by itself). */
  settle(): void;
}

export class LockGroup {
  private panes = new Map<number, LockablePane>();
  private leaderId: number | null = null;
  private syncing = false;
  locked = true;
  /** The last view any pane had: new panes (a mode switch, a fourth pane) start from it. */
  lastView: ViewUm | null = null;
  onView: ((view: ViewUm) => void) | null = null;

  add(pane: LockablePane): void {
    this.panes.set(pane.id, pane);
  }

  remove(pane: LockablePane): void {
    // A remounted pane reuses its id and may register before the old one is destroyed: remove only this one.
    if (this.panes.get(pane.id) !== pane) return;
    this.panes.delete(pane.id);
    if (this.leaderId === pane.id) this.leaderId = null;
  }

  get leader(): number | null {
    return this.leaderId;
  }

  /** Makes a pane the leader (pointer down, wheel, key); the previous leader stops where it is. */
  lead(paneId: number): void {
    if (this.leaderId === paneId) return;
    const previous = this.leaderId === null ? undefined : this.panes.get(this.leaderId);
    previous?.settle();
    this.leaderId = paneId;
    const pane = this.panes.get(paneId);
    if (pane) this.changed(pane);
  }

  /** A pane's viewport changed (OSD `viewport-change`, before it draws): followers copy it if it leads. */
  changed(pane: LockablePane): void {
    if (this.syncing) return;
    if (this.leaderId === null) this.leaderId = pane.id;
    if (this.leaderId !== pane.id) return;
    const view = pane.viewUm();
    if (!view) return;
    this.lastView = view;
    this.onView?.(view);
    if (!this.locked) return;
    this.syncing = true;
    try {
      for (const other of this.panes.values()) if (other !== pane) other.follow(view);
    } finally {
      this.syncing = false;
    }
  }

  /** Brings every pane to the leader's view (after a lock toggle, a resize or a pane opening its image). */
  resync(): void {
    const source = (this.leaderId !== null && this.panes.get(this.leaderId)) || this.panes.values().next().value;
    if (!source) return;
    const view = source.viewUm() ?? this.lastView;
    if (!view) return;
    this.syncing = true;
    try {
      for (const other of this.panes.values()) if (other !== source) other.follow(view);
    } finally {
      this.syncing = false;
    }
  }

  views(): Array<{ pane: number; view: ViewUm | null }> {
    return [...this.panes.values()].sort((a, b) => a.id - b.id).map((p) => ({ pane: p.id, view: p.viewUm() }));
  }
}
