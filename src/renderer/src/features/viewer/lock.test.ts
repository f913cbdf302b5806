import { describe, expect, it } from 'vitest';
import { followView, umToView, viewToUm, type ViewUm } from '../../../../shared/viewport';
import { LockGroup, type LockablePane } from './lock';

/**
 * A pane without OpenSeadragon: a viewport in its own units (reference width in µm, container width in px). Like
 * OSD, moving it raises a change synchronously back into the group — the feedback loop the group must not follow.
 */
class FakePane implements LockablePane {
  centerX = 0.5;
  centerY = 0.5;
  zoom = 1;
  follows = 0;
  settles = 0;
  constructor(
    readonly id: number,
    private readonly group: LockGroup,
    readonly refWidthUm: number,
    readonly containerWidthPx: number,
  ) {
    group.add(this);
  }
  viewUm(): ViewUm {
    return viewToUm(this);
  }
  follow(view: ViewUm): void {
    this.follows++;
    Object.assign(this, umToView(view, this));
    this.group.changed(this);
  }
  settle(): void {
    this.settles++;
  }
  /** A user gesture on this pane. */
  move(centerX: number, centerY: number, zoom: number): void {
    Object.assign(this, { centerX, centerY, zoom });
    this.group.changed(this);
  }
}

describe('LockGroup', () => {
  it('moves followers to the leader in µm, including panes of another pixel size and width', () => {
    const group = new LockGroup();
    const raw = new FakePane(0, group, 500, 600);
    const twice = new FakePane(1, group, 500, 600);
    const narrow = new FakePane(2, group, 800, 300);
    group.lead(0);
    raw.move(0.3, 0.2, 4);
    expect(twice.viewUm()).toEqual(raw.viewUm());
    const expected = followView({ ...raw }, narrow);
    expect(narrow.centerX).toBeCloseTo(expected.centerX, 12);
    expect(narrow.zoom).toBeCloseTo(expected.zoom, 12);
    expect(narrow.viewUm().umPerScreenPx).toBeCloseTo(raw.viewUm().umPerScreenPx, 12);
  });

  it('ignores the followers’ own change events: each gesture step moves each follower once', () => {
    const group = new LockGroup();
    const a = new FakePane(0, group, 500, 600);
    const b = new FakePane(1, group, 500, 600);
    group.lead(0);
    const before = b.follows;
    for (let i = 0; i < 10; i++) a.move(0.5 + i * 0.01, 0.5, 2);
    expect(b.follows - before).toBe(10);
    expect(a.follows).toBe(0);
  });

  it('lets only the leader drive; a change from another pane is ignored until it leads', () => {
    const group = new LockGroup();
    const a = new FakePane(0, group, 500, 600);
    const b = new FakePane(1, group, 500, 600);
    group.lead(0);
    b.move(0.9, 0.9, 3); // e.g. a late animation frame of the previous leader
    expect(a.centerX).not.toBeCloseTo(0.9);
    group.lead(1);
    expect(a.settles).toBe(1);
    expect(a.centerX).toBeCloseTo(0.9, 12);
    b.move(0.1, 0.2, 5);
    expect(a.viewUm()).toEqual(b.viewUm());
    expect(group.leader).toBe(1);
  });

  it('does nothing while unlocked, and resyncs to the leader when locked again', () => {
    const group = new LockGroup();
    const a = new FakePane(0, group, 500, 600);
    const b = new FakePane(1, group, 500, 600);
    group.lead(0);
    group.locked = false;
    a.move(0.2, 0.3, 6);
    expect(b.zoom).toBe(1);
    group.locked = true;
    group.resync();
    expect(b.viewUm()).toEqual(a.viewUm());
  });

  it('remembers the last view for panes that open later, and survives a pane remounting with the same id', () => {
    const group = new LockGroup();
    const a = new FakePane(0, group, 500, 600);
    group.lead(0);
    a.move(0.4, 0.4, 8);
    expect(group.lastView).toEqual(a.viewUm());
    const replacement = new FakePane(0, group, 500, 600);
    group.remove(a); // the old pane is destroyed after the new one registered
    const other = new FakePane(1, group, 500, 600);
    replacement.move(0.6, 0.6, 2);
    expect(other.viewUm()).toEqual(replacement.viewUm());
  });
});
